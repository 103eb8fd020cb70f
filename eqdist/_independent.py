"""`Independent`: reinterpret batch axes of a distribution as event axes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Num, PRNGKeyArray

from . import constraints
from ._distribution import AbstractDistribution
from ._shapes import sum_rightmost


class Independent(AbstractDistribution):
    r"""The `reinterpreted_batch_ndims` rightmost batch axes of `base_distribution`
    become event axes: $\log p(x) = \sum_{\text{those axes}} \log p_{\text{base}}(x)$.

    **Arguments:**

    - `base_distribution`: any distribution with at least
      `reinterpreted_batch_ndims` batch axes.
    - `reinterpreted_batch_ndims`: how many batch axes to move (static).
    """

    base_distribution: AbstractDistribution
    reinterpreted_batch_ndims: int = eqx.field(static=True)

    arg_constraints: ClassVar[dict[str, constraints.AbstractConstraint]] = {}

    def __init__(
        self,
        base_distribution: AbstractDistribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ):
        batch_ndim = len(base_distribution.batch_shape)
        if not 0 <= reinterpreted_batch_ndims <= batch_ndim:
            raise ValueError(
                f"Independent: `reinterpreted_batch_ndims` must be between 0 and the "
                f"base distribution's {batch_ndim} batch dimension(s) (batch shape "
                f"{base_distribution.batch_shape}), got {reinterpreted_batch_ndims}."
            )
        self.base_distribution = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def reparametrized_params(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.base_distribution.reparametrized_params

    @property
    def batch_shape(self) -> tuple[int, ...]:
        shape = self.base_distribution.batch_shape
        return shape[: len(shape) - self.reinterpreted_batch_ndims]

    @property
    def event_shape(self) -> tuple[int, ...]:
        shape = self.base_distribution.batch_shape
        moved = shape[len(shape) - self.reinterpreted_batch_ndims :]
        return moved + self.base_distribution.event_shape

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.independent(
            self.base_distribution.support, self.reinterpreted_batch_ndims
        )

    @property
    def mean(self) -> Array:
        return self.base_distribution.mean

    @property
    def variance(self) -> Array:
        return self.base_distribution.variance

    def entropy(self) -> Array:
        return sum_rightmost(
            self.base_distribution.entropy(), self.reinterpreted_batch_ndims
        )

    def sample(self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()) -> Array:
        return self.base_distribution.sample(key, sample_shape)

    def sample_with_intermediates(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Any]:
        return self.base_distribution.sample_with_intermediates(key, sample_shape)

    def log_prob(self, value: Num[ArrayLike, "..."]) -> Array:
        value = jnp.asarray(value)
        self._check_event_shape(value)
        log_prob = self.base_distribution.log_prob(value)
        return sum_rightmost(log_prob, self.reinterpreted_batch_ndims)

    def sample_and_log_prob(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Array]:
        x, log_prob = self.base_distribution.sample_and_log_prob(key, sample_shape)
        return x, sum_rightmost(log_prob, self.reinterpreted_batch_ndims)
