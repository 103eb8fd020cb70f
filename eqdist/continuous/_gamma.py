r"""The gamma family: `Gamma`, `Chi2`, `Exponential` and `InverseGamma`.

The four classes are final and independent; they share their mathematics through the
private functions of this module.

Sampling goes through `log_standard_gamma` (`_gamma_sampler.py`: Marsaglia & Tsang
2000, vectorised with a fallback only over rejected lanes, the $\alpha < 1$ boost
done in log space), whose gradient with respect to the concentration is the
implicit reparameterization gradient
$\partial x / \partial\alpha = -\,(\partial F / \partial\alpha) / p(x)$ (Figurnov,
Mohamed & Mnih 2018, "Implicit reparameterization gradients"). Draws are clipped to
the positive normal floats `[tiny, max]`, so a sample is never an exact `0` (or
`inf`) that the strict support `x > 0` would reject.
"""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.scipy.special import digamma, gammainc, gammaincc
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import gammaln, xlogy
from ._gamma_sampler import log_standard_gamma_flat

_LOG_TWO = math.log(2.0)


def _positive_from_log(log_x: Array) -> Array:
    """`exp(log_x)` kept within the positive normal floats `[tiny, max]`: never `0`
    or `inf`, even where the draw underflows or overflows.

    The clip is applied to the logarithm, with bounds nudged inwards by a few ulps
    so that `exp` of a bound is itself finite and normal: clipping after `exp` would
    give `0 * inf = NaN` gradients where `exp` overflows.
    """
    finfo = jnp.finfo(log_x.dtype)
    shrink = 1 - 4 * float(finfo.eps)
    low = math.log(float(finfo.tiny)) * shrink
    high = math.log(float(finfo.max)) * shrink
    return jnp.exp(jnp.clip(log_x, low, high))


def log_standard_gamma(
    key: PRNGKeyArray, concentration: Array, shape: tuple[int, ...]
) -> Array:
    """Log of `Gamma(concentration, 1)` draws of `shape` (`concentration` broadcast
    to it), with implicit reparameterization gradients in `concentration`.

    Drawn flat (`_gamma_sampler.log_standard_gamma_flat`): the numbers depend on
    the key and the total size only, and the sampler compiles once per size.
    """
    flat = jnp.broadcast_to(concentration, shape).reshape(-1)
    return log_standard_gamma_flat(key, flat).reshape(shape)


def _gamma_log_prob(value: Array, concentration: Array, rate: Array) -> Array:
    r"""$(\alpha-1)\log x - \beta x + \alpha\log\beta - \log\Gamma(\alpha)$."""
    return (
        xlogy(concentration - 1, value)
        - rate * value
        + concentration * jnp.log(rate)
        - gammaln(concentration)
    )


def _gamma_entropy(concentration: Array, rate: Array) -> Array:
    r"""$\alpha - \log\beta + \log\Gamma(\alpha) + (1 - \alpha)\psi(\alpha)$."""
    return (
        concentration
        - jnp.log(rate)
        + gammaln(concentration)
        + (1 - concentration) * digamma(concentration)
    )


def _gamma_cdf(value: Array, concentration: Array, rate: Array) -> Array:
    r"""$P(\alpha, \beta x)$, the regularised lower incomplete gamma function; `0`
    for $x \le 0$."""
    return gammainc(concentration, rate * jnp.maximum(value, 0))


class Gamma(AbstractSimpleDistribution):
    r"""The gamma distribution with shape $\alpha$ and rate $\beta$.

    $$\log p(x) = (\alpha - 1)\log x - \beta x + \alpha\log\beta - \log\Gamma(\alpha),
    \qquad x > 0$$

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)` (the regularised
    incomplete gamma function $P(\alpha, \beta x)$). No `icdf`.

    Reparameterized in `concentration` and `rate`: $x = G / \beta$ with
    $G \sim \mathrm{Gamma}(\alpha, 1)$, whose gradient in $\alpha$ is the implicit
    reparameterization gradient (Figurnov et al. 2018). The seed lists only `rate`;
    `concentration` is listed too because its gradient is exact.

    The support is $x > 0$ (strict), so `log_prob(0.)` is `-inf` even where the
    density has a finite limit at $0$ ($\alpha = 1$); samples are drawn in log space
    (Marsaglia & Tsang 2000) and clipped to `[tiny, max]`, so they are never `0` even
    for tiny $\alpha$ (the mass below `tiny` lands on `tiny`).

    **Arguments:**

    - `concentration`: the shape $\alpha > 0$, any shape broadcastable with `rate`.
    - `rate`: the rate $\beta > 0$ (inverse scale).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    concentration: Float[Array, "*batch"]
    rate: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "concentration": constraints.positive,
        "rate": constraints.positive,
    }
    reparametrized_params: ClassVar = ("concentration", "rate")

    def __init__(
        self,
        concentration: Real[ArrayLike, "*#batch"],
        rate: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params(
            {"concentration": (concentration, 0), "rate": (rate, 0)}, validate_args
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.concentration.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        log_g = log_standard_gamma(key, self.concentration, self.shape(sample_shape))
        return _positive_from_log(log_g - jnp.log(self.rate))

    def _log_prob(self, value: Array) -> Array:
        return _gamma_log_prob(value, self.concentration, self.rate)

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return self.concentration / self.rate

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return self.concentration / self.rate**2

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\alpha - \log\beta + \log\Gamma(\alpha) + (1 - \alpha)\psi(\alpha)$."""
        return _gamma_entropy(self.concentration, self.rate)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$P(\alpha, \beta x)$ (`0` for $x \le 0$)."""
        return _gamma_cdf(jnp.asarray(value), self.concentration, self.rate)


class Chi2(AbstractSimpleDistribution):
    r"""The chi-squared distribution with $k$ degrees of freedom,
    $\mathrm{Gamma}(k/2, \text{rate}=1/2)$.

    $$\log p(x) = (\tfrac k2 - 1)\log x - \tfrac x2 - \tfrac k2\log 2
    - \log\Gamma(\tfrac k2), \qquad x > 0$$

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)` ($P(k/2, x/2)$).
    No `icdf`.

    Reparameterized in `df` through the implicit gamma gradient ($x = 2G$,
    $G \sim \mathrm{Gamma}(k/2, 1)$). As for `Gamma`, the support is strict
    ($x > 0$): `log_prob(0.)` is `-inf`, and samples are clipped to `[tiny, max]`.

    **Arguments:**

    - `df`: the degrees of freedom $k > 0$ (need not be an integer).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    df: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"df": constraints.positive}
    reparametrized_params: ClassVar = ("df",)

    def __init__(
        self,
        df: Real[ArrayLike, "*#batch"],
        validate_args: bool | None = None,
    ):
        self._init_params({"df": (df, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.df.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        log_g = log_standard_gamma(key, 0.5 * self.df, self.shape(sample_shape))
        return _positive_from_log(log_g + _LOG_TWO)

    def _log_prob(self, value: Array) -> Array:
        half_df = 0.5 * self.df
        return (
            xlogy(half_df - 1, value)
            - 0.5 * value
            - half_df * _LOG_TWO
            - gammaln(half_df)
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return self.df

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return 2 * self.df

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\tfrac k2 + \log 2 + \log\Gamma(\tfrac k2)
        + (1 - \tfrac k2)\psi(\tfrac k2)$."""
        half = jnp.full_like(self.df, 0.5)
        return _gamma_entropy(0.5 * self.df, half)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$P(k/2, x/2)$ (`0` for $x \le 0$)."""
        half = jnp.full_like(self.df, 0.5)
        return _gamma_cdf(jnp.asarray(value), 0.5 * self.df, half)


class Exponential(AbstractSimpleDistribution):
    r"""The exponential distribution with rate $\lambda$.

    $$\log p(x) = \log\lambda - \lambda x, \qquad x > 0$$

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)`, `icdf(q)`.

    Reparameterized in `rate`: $x = -\log(u)/\lambda$ with $u$ uniform on the open
    interval $(0, 1)$, so a sample is never `0` (nor `inf`).

    The support is $x > 0$ (strict, as in NumPyro): `log_prob(0.)` is `-inf`, not
    SciPy's $\log\lambda$ (the density at a single point is a convention; this one
    agrees with `support` and with `validate_args`).

    **Arguments:**

    - `rate`: the rate $\lambda > 0$ (inverse mean).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    rate: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"rate": constraints.positive}
    reparametrized_params: ClassVar = ("rate",)

    def __init__(
        self,
        rate: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params({"rate": (rate, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.rate.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        dtype = self.rate.dtype
        # `uniform` returns multiples of eps in [0, 1); shifting by eps/2 is exact and
        # gives a grid symmetric inside the open interval (0, 1).
        u = jax.random.uniform(key, self.shape(sample_shape), dtype)
        u = u + 0.5 * jnp.finfo(dtype).eps
        return -jnp.log(u) / self.rate

    def _log_prob(self, value: Array) -> Array:
        return jnp.log(self.rate) - self.rate * value

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return 1 / self.rate

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return 1 / self.rate**2

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$1 - \log\lambda$."""
        return 1 - jnp.log(self.rate)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$1 - e^{-\lambda x}$ (`0` for $x \le 0$)."""
        return -jnp.expm1(-self.rate * jnp.maximum(jnp.asarray(value), 0))

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$-\log(1 - q)/\lambda$."""
        return -jnp.log1p(-jnp.asarray(q)) / self.rate


class InverseGamma(AbstractSimpleDistribution):
    r"""The inverse-gamma distribution: $1/X$ for $X \sim \mathrm{Gamma}(\alpha, \beta)$,
    with shape $\alpha$ and scale $\beta$.

    $$\log p(x) = \alpha\log\beta - \log\Gamma(\alpha) - (\alpha + 1)\log x
    - \beta / x, \qquad x > 0$$

    Closed forms: `mean` ($\beta/(\alpha-1)$, `inf` for $\alpha \le 1$), `variance`
    ($\beta^2/((\alpha-1)^2(\alpha-2))$, `inf` for $\alpha \le 2$), `entropy()`,
    `cdf(x)` ($Q(\alpha, \beta/x)$, the regularised upper incomplete gamma
    function). No `icdf`.

    Reparameterized in `concentration` (implicit gamma gradient) and `rate`:
    $x = \beta / G$ with $G \sim \mathrm{Gamma}(\alpha, 1)$, computed in log space and
    clipped to `[tiny, max]`, so a sample is never `0` or `inf`.

    **Arguments:**

    - `concentration`: the shape $\alpha > 0$, any shape broadcastable with `rate`.
    - `rate`: the scale $\beta > 0$ (the rate of the gamma variable inverted).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    concentration: Float[Array, "*batch"]
    rate: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "concentration": constraints.positive,
        "rate": constraints.positive,
    }
    reparametrized_params: ClassVar = ("concentration", "rate")

    def __init__(
        self,
        concentration: Real[ArrayLike, "*#batch"],
        rate: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params(
            {"concentration": (concentration, 0), "rate": (rate, 0)}, validate_args
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.concentration.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        log_g = log_standard_gamma(key, self.concentration, self.shape(sample_shape))
        return _positive_from_log(jnp.log(self.rate) - log_g)

    def _log_prob(self, value: Array) -> Array:
        alpha, beta = self.concentration, self.rate
        return (
            alpha * jnp.log(beta)
            - gammaln(alpha)
            - (alpha + 1) * jnp.log(value)
            - beta / value
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        alpha = self.concentration
        defined = alpha > 1
        # Safe denominator in the undefined branch keeps gradients free of NaN.
        alpha_safe = jnp.where(defined, alpha, 2)
        return jnp.where(defined, self.rate / (alpha_safe - 1), jnp.inf)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        alpha = self.concentration
        defined = alpha > 2
        alpha_safe = jnp.where(defined, alpha, 3)
        variance = self.rate**2 / ((alpha_safe - 1) ** 2 * (alpha_safe - 2))
        return jnp.where(defined, variance, jnp.inf)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\alpha + \log\beta + \log\Gamma(\alpha) - (1 + \alpha)\psi(\alpha)$."""
        alpha = self.concentration
        return (
            alpha + jnp.log(self.rate) + gammaln(alpha) - (1 + alpha) * digamma(alpha)
        )

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$Q(\alpha, \beta/x)$ (`0` for $x \le 0$)."""
        value = jnp.asarray(value)
        positive = value > 0
        safe = jnp.where(positive, value, 1)
        return jnp.where(positive, gammaincc(self.concentration, self.rate / safe), 0.0)
