"""`ComposeTransform`: apply transforms in sequence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .. import constraints
from .._shapes import sum_rightmost
from ._base import AbstractTransform


class ComposeTransform(AbstractTransform):
    r"""$t = t_n \circ \dots \circ t_1$: `parts` applied left to right.

    $\log|\det J_t(x)| = \sum_i \log|\det J_{t_i}(x_{i-1})|$, each term summed over
    the event axes it does not already cover.

    **Arguments:**

    - `parts`: the transforms, first applied first.
    """

    parts: tuple[AbstractTransform, ...]

    def __init__(self, parts: Sequence[AbstractTransform]):
        self.parts = tuple(parts)

    @property
    def domain(self) -> constraints.AbstractConstraint:
        if not self.parts:
            return constraints.real
        # The first part may act on fewer axes than later parts need.
        needed = self._event_dims()[0]
        first = self.parts[0].domain
        extra = needed - first.event_dim
        return constraints.independent(first, extra) if extra > 0 else first

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        if not self.parts:
            return constraints.real
        produced = self._event_dims()[-1]
        last = self.parts[-1].codomain
        extra = produced - last.event_dim
        return constraints.independent(last, extra) if extra > 0 else last

    def _event_dims(self) -> list[int]:
        """Event ndim of the input to each part, then of the output: the smallest
        that lets every part see whole events."""
        dims = [0] * (len(self.parts) + 1)
        for i in reversed(range(len(self.parts))):
            t = self.parts[i]
            dims[i] = max(
                t.domain.event_dim,
                dims[i + 1] - t.codomain.event_dim + t.domain.event_dim,
            )
        for i, t in enumerate(self.parts):
            dims[i + 1] = dims[i] - t.domain.event_dim + t.codomain.event_dim
        return dims

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        intermediates = []
        for part in self.parts:
            y, part_intermediates = part.call_with_intermediates(x)
            intermediates.append(part_intermediates)
            x = y
        return jnp.asarray(x), intermediates

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        for part in reversed(self.parts):
            y = part.inv(y)
        return jnp.asarray(y)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        dims = self._event_dims()
        x = jnp.asarray(x)
        # Start from zeros of the batch shape and x's dtype: a bare `zeros(())` would
        # promote float32 inputs to float64 under x64 and give the wrong shape when
        # there are no parts.
        total = jnp.zeros(x.shape[: x.ndim - dims[0]], dtype=x.dtype)
        for i, part in enumerate(self.parts):
            if intermediates is None:
                part_y, part_intermediates = part.call_with_intermediates(x)
            else:
                part_intermediates = intermediates[i]
                part_y = part(x) if i < len(self.parts) - 1 else y
            ladj = part.log_abs_det_jacobian(x, part_y, part_intermediates)
            total = total + sum_rightmost(ladj, dims[i] - part.domain.event_dim)
            x = part_y
        return total
