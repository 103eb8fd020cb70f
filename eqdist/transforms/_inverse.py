"""`InverseTransform`: any bijection, turned around."""

from __future__ import annotations

from typing import Any

from jaxtyping import Array, ArrayLike, Float

from .. import constraints
from ._base import AbstractTransform


class InverseTransform(AbstractTransform):
    r"""The inverse $t^{-1}$ of a bijection $t$: calling it is `t.inv`, inverting it
    is `t`, and $\log|\det J_{t^{-1}}(y)| = -\log|\det J_t(x)|$ with $x = t^{-1}(y)$.

    `InverseTransform(InverseAutoregressiveTransform(made))` is a masked
    autoregressive flow layer: its *inverse*, the density direction, takes one
    network pass.

    **Arguments:**

    - `transform`: the bijection to turn around.
    """

    transform: AbstractTransform

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return self.transform.codomain

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return self.transform.domain

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        return self.transform.inv(x), None

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        return self.transform(y)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        # Our input x is the wrapped transform's output, and our y its input.
        return -self.transform.log_abs_det_jacobian(y, x)
