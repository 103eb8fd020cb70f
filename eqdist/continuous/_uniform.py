"""The continuous uniform distribution."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._validation import check


class Uniform(AbstractSimpleDistribution):
    r"""The uniform distribution on $[a, b]$.

    $$\log p(x) = -\log(b - a), \quad a \le x \le b$$

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)`, `icdf(q)`.
    Reparameterized in `low` and `high` ($x = a + (b - a)u$). The support,
    `interval(low, high)`, moves with the parameters.

    **Arguments:**

    - `low`: the lower end $a$, any shape broadcastable with `high`.
    - `high`: the upper end $b > a$.
    - `validate_args`: check $a < b$ (and values in `log_prob`).
    """

    low: Float[Array, "*batch"]
    high: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "low": constraints.dependent,
        "high": constraints.dependent,
    }
    reparametrized_params: ClassVar = ("low", "high")

    def __init__(
        self,
        low: Real[ArrayLike, "*#batch"] = 0.0,
        high: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params({"low": (low, 0), "high": (high, 0)}, validate_args)
        if self.validate_args:
            self.high = check(
                self.high,
                self.low < self.high,
                "Uniform: parameter `high` must be greater than `low` "
                "(and both finite).",
            )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.low.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.interval(self.low, self.high)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        u = jax.random.uniform(key, self.shape(sample_shape), dtype=self.low.dtype)
        return self.low + (self.high - self.low) * u

    def _log_prob(self, value: Array) -> Array:
        return jnp.broadcast_to(
            -jnp.log(self.high - self.low),
            jnp.broadcast_shapes(value.shape, self.batch_shape),
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        r"""$(a + b)/2$."""
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        r"""$(b - a)^2/12$."""
        return (self.high - self.low) ** 2 / 12

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\log(b - a)$."""
        return jnp.log(self.high - self.low)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$(x - a)/(b - a)$, clipped to $[0, 1]$."""
        return jnp.clip((value - self.low) / (self.high - self.low), 0.0, 1.0)

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$a + (b - a)q$."""
        return self.low + (self.high - self.low) * q
