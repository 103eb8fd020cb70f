"""The half-Cauchy and half-normal distributions: $|X|$ for a centred $X$."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.scipy.special import erf, erfinv
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import log1p_square, ndtri, standardize

_LOG_TWO_OVER_PI = math.log(2 / math.pi)
_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO = math.sqrt(2.0)


def _uniform_open(key: PRNGKeyArray, shape: tuple[int, ...], dtype) -> Array:
    """Uniform draws in the open interval (0, 1), so that no quantile is infinite."""
    return jax.random.uniform(
        key, shape, dtype=dtype, minval=jnp.finfo(dtype).tiny, maxval=1.0
    )


class HalfCauchy(AbstractSimpleDistribution):
    r"""The half-Cauchy distribution: $|X|$ for $X \sim \mathrm{Cauchy}(0, \gamma)$.

    $$\log p(x) = \log\tfrac{2}{\pi} - \log\gamma - \log(1 + (x/\gamma)^2),
    \quad x > 0$$

    Closed forms: `mean` and `variance` (both $+\infty$, as in `scipy.stats`),
    `entropy()`, `cdf(x)`, `icdf(q)`. Reparameterized in `scale`
    ($x = \gamma\tan(\pi u/2)$).

    **Arguments:**

    - `scale`: the scale $\gamma > 0$.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    scale: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"scale": constraints.positive}
    reparametrized_params: ClassVar = ("scale",)

    def __init__(
        self,
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params({"scale": (scale, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.scale.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        u = _uniform_open(key, self.shape(sample_shape), self.scale.dtype)
        return self.scale * jnp.tan(0.5 * math.pi * u)

    def _log_prob(self, value: Array) -> Array:
        z = standardize(value, 0.0, self.scale)
        return _LOG_TWO_OVER_PI - jnp.log(self.scale) - log1p_square(z)

    @property
    def mean(self) -> Float[Array, "*batch"]:
        """$+\\infty$."""
        return jnp.full(self.batch_shape, jnp.inf, dtype=self.scale.dtype)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        """$+\\infty$."""
        return jnp.full(self.batch_shape, jnp.inf, dtype=self.scale.dtype)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\log(2\pi\gamma)$."""
        return math.log(2 * math.pi) + jnp.log(self.scale)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\tfrac{2}{\pi}\arctan(x/\gamma)$ for $x \ge 0$, else 0."""
        z = jnp.maximum(value / self.scale, 0.0)
        return 2 / math.pi * jnp.arctan(z)

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\gamma\tan(\pi q/2)$; as $\gamma\cot(\pi(1-q)/2)$ for $q > \tfrac12$."""
        q = jnp.asarray(q, dtype=jnp.result_type(q, self.scale.dtype))
        upper = q > 0.5
        lower = jnp.tan(0.5 * math.pi * jnp.where(upper, 0.5, q))
        higher = 1 / jnp.tan(0.5 * math.pi * jnp.where(upper, 1 - q, 0.5))
        return self.scale * jnp.where(upper, higher, lower)


class HalfNormal(AbstractSimpleDistribution):
    r"""The half-normal distribution: $|X|$ for $X \sim \mathcal N(0, \sigma^2)$.

    $$\log p(x) = \tfrac12\log\tfrac{2}{\pi} - \log\sigma - \tfrac{x^2}{2\sigma^2},
    \quad x > 0$$

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)`, `icdf(q)`.
    Reparameterized in `scale` ($x = \sigma|\varepsilon|$).

    **Arguments:**

    - `scale`: the scale $\sigma > 0$ of the underlying normal.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    scale: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"scale": constraints.positive}
    reparametrized_params: ClassVar = ("scale",)

    def __init__(
        self,
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params({"scale": (scale, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.scale.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        eps = jax.random.normal(key, self.shape(sample_shape), dtype=self.scale.dtype)
        return self.scale * jnp.abs(eps)

    def _log_prob(self, value: Array) -> Array:
        z = standardize(value, 0.0, self.scale)
        return 0.5 * _LOG_TWO_OVER_PI - jnp.log(self.scale) - 0.5 * z * z

    @property
    def mean(self) -> Float[Array, "*batch"]:
        r"""$\sigma\sqrt{2/\pi}$."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        r"""$\sigma^2(1 - 2/\pi)$."""
        return self.scale**2 * (1 - 2 / math.pi)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\tfrac12\log(\pi e/2) + \log\sigma$."""
        return 0.5 * math.log(0.5 * math.pi * math.e) + jnp.log(self.scale)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\operatorname{erf}(x/(\sigma\sqrt2))$ for $x \ge 0$, else 0."""
        z = jnp.maximum(value / self.scale, 0.0)
        return erf(z * _SQRT_HALF)

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\sigma\sqrt2\operatorname{erf}^{-1}(q)$; as $-\sigma\Phi^{-1}((1-q)/2)$
        for $q > \tfrac12$, where $1-q$ is exact."""
        q = jnp.asarray(q, dtype=jnp.result_type(q, self.scale.dtype))
        upper = q > 0.5
        lower = _SQRT_TWO * erfinv(jnp.where(upper, 0.5, q))
        higher = -ndtri(0.5 * (1 - jnp.where(upper, q, 0.5)))
        return self.scale * jnp.where(upper, higher, lower)
