"""`ExpandedDistribution`: broadcast a distribution to a larger batch shape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Num, PRNGKeyArray

from . import constraints
from ._distribution import AbstractDistribution
from ._shapes import as_shape, check_key


class ExpandedDistribution(AbstractDistribution):
    """`base_distribution` broadcast to `batch_shape`, with independent draws along
    every new or stretched batch axis.

    The batch shape is carried by a zero-sized leaf (`batch_carrier`, of shape
    `batch_shape + (0,)`) rather than static metadata, so a stack of expanded
    distributions made or consumed by `jax.vmap` still reports the right shape.

    **Arguments:**

    - `base_distribution`: the distribution to broadcast.
    - `batch_shape`: the new batch shape; `base_distribution.batch_shape` must
      broadcast to it (NumPy rules, aligned on the right).
    """

    base_distribution: AbstractDistribution
    batch_carrier: Float[Array, "*batch 0"]

    arg_constraints: ClassVar[dict[str, constraints.AbstractConstraint]] = {}

    def __init__(
        self,
        base_distribution: AbstractDistribution,
        batch_shape: Sequence[int],
        validate_args: bool | None = None,
    ):
        batch_shape = as_shape(batch_shape, "batch_shape")
        base_shape = base_distribution.batch_shape
        try:
            broadcast = jnp.broadcast_shapes(base_shape, batch_shape)
        except ValueError:
            broadcast = None
        if broadcast != batch_shape:
            raise ValueError(
                f"ExpandedDistribution: the base batch shape {base_shape} cannot be "
                f"broadcast to `batch_shape` {batch_shape}."
            )
        self.base_distribution = base_distribution
        self.batch_carrier = jnp.zeros(batch_shape + (0,))

    @property
    def reparametrized_params(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.base_distribution.reparametrized_params

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.batch_carrier.shape[:-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.base_distribution.event_shape

    @property
    def support(self) -> constraints.AbstractConstraint:
        return self.base_distribution.support

    @property
    def mean(self) -> Array:
        return self._broadcast(self.base_distribution.mean)

    @property
    def variance(self) -> Array:
        return self._broadcast(self.base_distribution.variance)

    def entropy(self) -> Array:
        return jnp.broadcast_to(self.base_distribution.entropy(), self.batch_shape)

    def _broadcast(self, x: Array) -> Array:
        return jnp.broadcast_to(x, self.batch_shape + self.event_shape)

    def sample_with_intermediates(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Any]:
        check_key(type(self).__name__, key)
        sample_shape = as_shape(sample_shape)
        new_axes, stretched = self._expansion()
        draw_shape = sample_shape + new_axes + tuple(size for _, size in stretched)
        x, intermediates = self.base_distribution.sample_with_intermediates(
            key, draw_shape
        )
        return self._fold(x, sample_shape, new_axes, stretched), intermediates

    def sample(self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()) -> Array:
        return self.sample_with_intermediates(key, sample_shape)[0]

    def log_prob(self, value: Num[ArrayLike, "..."]) -> Array:
        value = jnp.asarray(value)
        self._check_event_shape(value)
        log_prob = self.base_distribution.log_prob(value)
        value_batch = value.shape[: value.ndim - len(self.event_shape)]
        shape = jnp.broadcast_shapes(value_batch, self.batch_shape)
        return jnp.broadcast_to(log_prob, shape)

    def sample_and_log_prob(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Array]:
        check_key(type(self).__name__, key)
        sample_shape = as_shape(sample_shape)
        new_axes, stretched = self._expansion()
        draw_shape = sample_shape + new_axes + tuple(size for _, size in stretched)
        x, log_prob = self.base_distribution.sample_and_log_prob(key, draw_shape)
        x = self._fold(x, sample_shape, new_axes, stretched)
        n_event = len(self.event_shape)
        log_prob = self._fold(
            jnp.reshape(log_prob, log_prob.shape + (1,) * n_event),
            sample_shape,
            new_axes,
            stretched,
        )
        return x, jnp.reshape(log_prob, log_prob.shape[: log_prob.ndim - n_event])

    def _expansion(self) -> tuple[tuple[int, ...], list[tuple[int, int]]]:
        """The new leading batch axes, and `(axis, size)` for each base batch axis of
        size 1 that is stretched (axis counted within the base batch shape)."""
        base_shape = self.base_distribution.batch_shape
        batch_shape = self.batch_shape
        n_new = len(batch_shape) - len(base_shape)
        stretched = [
            (i, batch_shape[n_new + i])
            for i, size in enumerate(base_shape)
            if size == 1 and batch_shape[n_new + i] != 1
        ]
        return batch_shape[:n_new], stretched

    def _fold(
        self,
        x: Array,
        sample_shape: tuple[int, ...],
        new_axes: tuple[int, ...],
        stretched: list[tuple[int, int]],
    ) -> Array:
        """Move the draws made for stretched axes into those axes' places.

        `x` has shape `sample_shape + new_axes + stretched sizes + base batch +
        event`; the result has `sample_shape + batch_shape + event`.
        """
        if stretched:
            start = len(sample_shape) + len(new_axes)
            sources = list(range(start, start + len(stretched)))
            # Put each stretched draw axis just before its size-1 base axis.
            destinations = [start + i + j for j, (i, _) in enumerate(stretched)]
            x = jnp.moveaxis(x, sources, destinations)
        return jnp.reshape(x, sample_shape + self.batch_shape + self.event_shape)
