"""`IdentityTransform` and `IndependentTransform`."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .. import constraints
from .._shapes import sum_rightmost
from ._affine import real_events
from ._base import AbstractTransform


class IdentityTransform(AbstractTransform):
    r"""$y = x$, acting on events of `event_dim` axes; $\log|\det J| = 0$.

    **Arguments:**

    - `event_dim`: how many rightmost axes form one event (static, default 0); the
      log-determinant has shape `x.shape[:x.ndim - event_dim]`.
    """

    domain: constraints.AbstractConstraint

    def __init__(self, event_dim: int = 0):
        if not isinstance(event_dim, int) or event_dim < 0:
            raise ValueError(
                "IdentityTransform: `event_dim` must be a non-negative int, got "
                f"{event_dim!r}."
            )
        self.domain = real_events(event_dim)

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return self.domain

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        return jnp.asarray(x), None

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        return jnp.asarray(y)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        x = jnp.asarray(x)
        return jnp.zeros(x.shape[: x.ndim - self.event_dim], dtype=x.dtype)


class IndependentTransform(AbstractTransform):
    r"""`base_transform` with `reinterpreted_batch_ndims` more axes per event.

    The map is unchanged; its log-determinant is summed over the extra axes, so
    $\log|\det J|$ is one number per (wider) event. `biject_to(independent(c, n))`
    returns `IndependentTransform(biject_to(c), n)`.

    **Arguments:**

    - `base_transform`: the transform applied to each element of the event.
    - `reinterpreted_batch_ndims`: how many batch axes join the event (static).
    """

    base_transform: AbstractTransform
    reinterpreted_batch_ndims: int = eqx.field(static=True)

    def __init__(
        self, base_transform: AbstractTransform, reinterpreted_batch_ndims: int
    ):
        if not isinstance(reinterpreted_batch_ndims, int) or (
            reinterpreted_batch_ndims < 0
        ):
            raise ValueError(
                "IndependentTransform: `reinterpreted_batch_ndims` must be a "
                f"non-negative int, got {reinterpreted_batch_ndims!r}."
            )
        self.base_transform = base_transform
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.independent(
            self.base_transform.domain, self.reinterpreted_batch_ndims
        )

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.independent(
            self.base_transform.codomain, self.reinterpreted_batch_ndims
        )

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        return self.base_transform.call_with_intermediates(x)

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        ladj = self.base_transform.log_abs_det_jacobian(x, y, intermediates)
        return sum_rightmost(ladj, self.reinterpreted_batch_ndims)
