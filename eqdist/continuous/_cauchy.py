"""The Cauchy distribution, and the standard Cauchy helpers its relatives share."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import log1p_square, standardize

_LOG_PI = math.log(math.pi)


def cauchy_cdf(z: Array) -> Array:
    r"""Standard Cauchy cdf $\tfrac12 + \arctan(z)/\pi$, written as
    $\operatorname{atan2}(1, -z)/\pi$ so the lower tail ($\approx 1/(\pi|z|)$) keeps
    its relative precision."""
    return jnp.arctan2(jnp.ones_like(z), -z) / math.pi


def cauchy_icdf(q: Array) -> Array:
    r"""Standard Cauchy quantile $\tan(\pi(q - \tfrac12))$.

    In the tails it is $-\cot(\pi q)$ and $\cot(\pi(1-q))$, which keep the relative
    precision of small $q$ and $1-q$ (where $\tan$ near $\pm\pi/2$ would not).
    """
    low = q < 0.25
    high = q > 0.75
    centre = jnp.tan(math.pi * jnp.where(low | high, 0.5, q - 0.5))
    low_tail = -1 / jnp.tan(math.pi * jnp.where(low, q, 0.25))
    high_tail = 1 / jnp.tan(math.pi * jnp.where(high, 1 - q, 0.25))
    return jnp.where(low, low_tail, jnp.where(high, high_tail, centre))


class Cauchy(AbstractSimpleDistribution):
    r"""The Cauchy distribution with location $\mu$ and scale $\gamma$.

    $$\log p(x) = -\log\pi - \log\gamma - \log\!\left(1 + z^2\right),
    \quad z = (x - \mu)/\gamma$$

    Closed forms: `mean` (NaN: undefined), `variance` (NaN, as in `scipy.stats`),
    `entropy()`, `cdf(x)`, `icdf(q)`. Reparameterized in `loc` and `scale`
    ($x = \mu + \gamma\,\tan(\pi(u - \tfrac12))$). The density stays finite and
    accurate far out (e.g. $z = 10^{200}$).

    **Arguments:**

    - `loc`: the location (median) $\mu$, any shape broadcastable with `scale`.
    - `scale`: the scale (half width at half maximum) $\gamma > 0$.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    loc: Float[Array, "*batch"]
    scale: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"loc": constraints.real, "scale": constraints.positive}
    reparametrized_params: ClassVar = ("loc", "scale")

    def __init__(
        self,
        loc: Real[ArrayLike, "*#batch"] = 0.0,
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params({"loc": (loc, 0), "scale": (scale, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.loc.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.real

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        eps = jax.random.cauchy(key, self.shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + self.scale * eps

    def _log_prob(self, value: Array) -> Array:
        z = standardize(value, self.loc, self.scale)
        return -_LOG_PI - jnp.log(self.scale) - log1p_square(z)

    @property
    def mean(self) -> Float[Array, "*batch"]:
        """NaN: the Cauchy distribution has no mean."""
        return jnp.full(self.batch_shape, jnp.nan, dtype=self.loc.dtype)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        """NaN: undefined (as `scipy.stats.cauchy.var()`)."""
        return jnp.full(self.batch_shape, jnp.nan, dtype=self.loc.dtype)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\log(4\pi\gamma)$."""
        return math.log(4 * math.pi) + jnp.log(self.scale)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\tfrac12 + \arctan(z)/\pi$, accurate in the lower tail."""
        return cauchy_cdf((value - self.loc) / self.scale)

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\mu + \gamma\tan(\pi(q - \tfrac12))$, accurate for $q$ near 0 and 1."""
        q = jnp.asarray(q, dtype=jnp.result_type(q, self.loc.dtype))
        return self.loc + self.scale * cauchy_icdf(q)
