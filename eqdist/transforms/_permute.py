"""`PermuteTransform`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .. import constraints
from ._base import AbstractTransform


class PermuteTransform(AbstractTransform):
    r"""Reorder the last axis: $y_i = x_{\pi(i)}$; $\log|\det J| = 0$.

    **Arguments:**

    - `permutation`: a permutation of `0, ..., n - 1` (a sequence or concrete integer
      array), kept static as a tuple of ints.
    """

    permutation: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, permutation: Sequence[int] | ArrayLike):
        if isinstance(permutation, jax.core.Tracer):
            raise TypeError(
                "PermuteTransform: `permutation` must be concrete (it is static), got "
                "a traced array."
            )
        perm = np.asarray(permutation)
        if perm.ndim != 1 or not (
            perm.size == 0 or np.issubdtype(perm.dtype, np.integer)
        ):
            raise ValueError(
                "PermuteTransform: `permutation` must be a 1-d sequence of ints, got "
                f"{permutation!r}."
            )
        if sorted(perm.tolist()) != list(range(perm.size)):
            raise ValueError(
                "PermuteTransform: `permutation` must contain each of 0, ..., "
                f"{perm.size - 1} exactly once, got {perm.tolist()}."
            )
        self.permutation = tuple(int(i) for i in perm)

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    def _check(self, x: Array, what: str) -> None:
        if x.ndim < 1 or x.shape[-1] != len(self.permutation):
            raise ValueError(
                f"PermuteTransform: `{what}` must have a last axis of size "
                f"{len(self.permutation)}, got shape {x.shape}."
            )

    def call_with_intermediates(
        self, x: Float[ArrayLike, "... n"]
    ) -> tuple[Array, Any]:
        x = jnp.asarray(x)
        self._check(x, "x")
        return x[..., np.asarray(self.permutation, dtype=int)], None

    def inv(self, y: Float[ArrayLike, "... n"]) -> Array:
        y = jnp.asarray(y)
        self._check(y, "y")
        return y[..., np.argsort(self.permutation)]

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "... n"],
        y: Float[ArrayLike, "... n"],
        intermediates: Any = None,
    ) -> Array:
        x = jnp.asarray(x)
        return jnp.zeros(x.shape[:-1], dtype=x.dtype)
