"""Truncated normal and truncated Cauchy distributions, one- or two-sided.

Both standardise the bounds, $a = (\\text{low} - \\mu)/\\sigma$ and
$b = (\\text{high} - \\mu)/\\sigma$, and keep every tail probability in a form that
does not cancel: log-space normal cdf differences taken in the accurate tail, and
Cauchy probabilities as angles (Cauchy mass is angle$/\\pi$).
"""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import (
    erfcx,
    log1p_square,
    log_ndtr,
    log_ndtr_diff,
    log_ndtri,
    ndtri,
)
from .._validation import check

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
_HALF_LOG_TWO_PI_E = 0.5 * math.log(2 * math.pi * math.e)
_SQRT_HALF = math.sqrt(0.5)
_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)


def _init_truncated(self, low, loc, scale, high, validate_args) -> None:
    """Shared constructor body: store the parameters (`high` only when given) and
    check `low < high` under validation."""
    params = {"low": (low, 0), "loc": (loc, 0), "scale": (scale, 0)}
    if high is not None:
        params["high"] = (high, 0)
    else:
        self.high = None
    self._init_params(params, validate_args)
    if self.validate_args and self.high is not None:
        self.high = check(
            self.high,
            self.low < self.high,
            f"{type(self).__name__}: parameter `high` must be greater than `low`.",
        )


def _standardise(dist, value: ArrayLike) -> Array:
    return (value - dist.loc) / dist.scale


def _bounds(dist) -> tuple[Array, Array | None]:
    a = (dist.low - dist.loc) / dist.scale
    b = None if dist.high is None else (dist.high - dist.loc) / dist.scale
    return a, b


def _uniform(dist, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
    return jax.random.uniform(key, dist.shape(sample_shape), dtype=dist.loc.dtype)


def _clip_to_support(dist, x: Array) -> Array:
    """Rounding must never put a draw outside the support."""
    x = jnp.maximum(x, dist.low)
    return x if dist.high is None else jnp.minimum(x, dist.high)


# --- normal -------------------------------------------------------------------------


def _normal_log_mass(a: Array, b: Array | None) -> Array:
    r"""$\log(\Phi(b) - \Phi(a))$; $\log\Phi(-a)$ when there is no upper bound."""
    return log_ndtr(-a) if b is None else log_ndtr_diff(a, b)


def _normal_icdf(q: Array, a: Array, b: Array | None) -> Array:
    r"""The standard truncated-normal quantile, in log space.

    $\Phi(z) = (1-q)\Phi(a) + q\Phi(b)$ and $\Phi(-z) = (1-q)\Phi(-a) + q\Phi(-b)$
    are both sums of positive terms, so their logarithms are accurate; the smaller
    of the two (the side of zero $z$ is on) is inverted with `log_ndtri`, which
    works where the probability itself underflows (e.g. 40 standard deviations
    out, or 13 in float32).
    """
    log_q = jnp.log(q)
    log_1mq = jnp.log1p(-q)
    if b is None:
        log_cdf_a, log_sf_a = log_ndtr(jnp.stack([a, -a]))
        log_lower = jnp.logaddexp(log_1mq + log_cdf_a, log_q)
        log_upper = log_1mq + log_sf_a
    else:
        # One `log_ndtr` call over all four tails keeps the traced graph small.
        log_cdf_a, log_sf_a, log_cdf_b, log_sf_b = log_ndtr(jnp.stack([a, -a, b, -b]))
        log_lower = jnp.logaddexp(log_1mq + log_cdf_a, log_q + log_cdf_b)
        log_upper = jnp.logaddexp(log_1mq + log_sf_a, log_q + log_sf_b)
    lower = log_lower < log_upper
    z = log_ndtri(jnp.minimum(log_lower, log_upper))
    return jnp.where(lower, z, -z)


def _normal_sample_quantile(q: Array, a: Array, b: Array | None) -> Array:
    r"""`_normal_icdf` for sampling: the same quantile, with the log-space inversion
    (a loop of Newton steps per draw) only where it is needed.

    $\Phi(z) = (1-q)\Phi(a) + q\Phi(b)$ or $\Phi(-z) = (1-q)\Phi(-a) + q\Phi(-b)$,
    whichever is smaller, is inverted with `ndtri` directly wherever it is at least
    `tiny / eps` (so it is a normal float with full relative precision: bounds up to
    about 11 standard deviations out in float32, 37 in float64). The draws beyond
    take `_normal_icdf`, under a `cond` that skips it (and the per-draw test) when
    the bounds alone rule such draws out.
    """
    finfo = jnp.finfo(q.dtype)
    threshold = finfo.tiny / finfo.eps
    if b is None:
        cdf_a, sf_a = jnp.exp(log_ndtr(jnp.stack([a, -a])))
        cdf_b, sf_b = jnp.ones_like(a), jnp.zeros_like(a)
        # 1 - q >= eps / 2 for `jax.random.uniform`'s q.
        least_upper = 0.5 * finfo.eps * sf_a
    else:
        cdf_a, sf_a, cdf_b, sf_b = jnp.exp(log_ndtr(jnp.stack([a, -a, b, -b])))
        least_upper = sf_b

    def quantile(mixed: bool) -> Array:
        # Computed from q inside each branch, so the fast one is a single fusion.
        p_lower = (1 - q) * cdf_a + q * cdf_b
        p_upper = (1 - q) * sf_a + q * sf_b
        p = jnp.minimum(p_lower, p_upper)
        if not mixed:
            z = ndtri(p)
            return jnp.where(p_lower < p_upper, z, -z)
        deep = ~(p >= threshold)
        # Double where: a stand-in keeps the fast branch's gradient finite.
        z = ndtri(jnp.where(deep, 0.5, p))
        return jnp.where(
            deep, _normal_icdf(q, a, b), jnp.where(p_lower < p_upper, z, -z)
        )

    # p >= min(Phi(a), least_upper) for every draw: a test on the parameters
    # only, so the common case is one fused pass over the draws.
    maybe_deep = ~(jnp.minimum(cdf_a, least_upper) >= threshold)
    return jax.lax.cond(
        jnp.any(maybe_deep), lambda: quantile(True), lambda: quantile(False)
    )


def _mills_ratio(x: Array) -> Array:
    r"""$(1 - \Phi(x))/\varphi(x) = \sqrt{\pi/2}\,\operatorname{erfcx}(x/\sqrt2)$,
    with full relative precision for $x \ge 0$ however large."""
    return _SQRT_HALF_PI * erfcx(x * _SQRT_HALF)


def _normal_density_ratios(a: Array, b: Array | None) -> tuple[Array, Array]:
    r"""$\varphi(a)/Z$ and $\varphi(b)/Z$ with $Z = \Phi(b) - \Phi(a)$ ($\varphi(b) = 0$
    without an upper bound).

    In the upper tail ($a \ge 0$), $Z = \varphi(a)\left(R(a) - e^{-(b-a)(b+a)/2}
    R(b)\right)$ with $R$ the Mills ratio, so no $e^{-a^2/2}$ is ever formed and
    the ratios keep full precision however far out the bounds are; the lower tail
    is its mirror image; an interval around 0 uses $\log Z$ directly.
    """
    one_sided = b is None
    if one_sided:
        b = jnp.full_like(a, jnp.inf)
    upper = a >= 0
    lower = b <= 0
    central = ~(upper | lower)
    finite_b = jnp.isfinite(b)
    # Upper tail.
    au = jnp.where(upper, a, 1.0)
    if one_sided:
        ra_upper = 1 / _mills_ratio(au)
        rb_upper = jnp.zeros_like(a)
    else:
        bu = jnp.where(upper & finite_b, b, au + 1.0)
        e_u = jnp.where(finite_b, jnp.exp(-0.5 * (bu - au) * (bu + au)), 0.0)
        ra_upper = 1 / (_mills_ratio(au) - e_u * _mills_ratio(bu))
        rb_upper = e_u * ra_upper
    # Lower tail (two-sided only): the mirror image, with -b as the inner bound.
    finite_a = jnp.isfinite(a)
    bl = jnp.where(lower, b, -1.0)
    al = jnp.where(lower & finite_a, a, bl - 1.0)
    e_l = jnp.where(finite_a, jnp.exp(-0.5 * (bl - al) * (-al - bl)), 0.0)
    rb_lower = 1 / (_mills_ratio(-bl) - e_l * _mills_ratio(-al))
    ra_lower = e_l * rb_lower
    # Around zero, Z is not small: plain log space.
    ac = jnp.where(central & finite_a, a, -1.0)
    bc = jnp.where(central & finite_b, b, 1.0)
    log_z = log_ndtr_diff(
        jnp.where(finite_a, ac, -jnp.inf), jnp.where(finite_b, bc, jnp.inf)
    )
    ra_central = jnp.where(
        finite_a, jnp.exp(-0.5 * ac * ac - _HALF_LOG_TWO_PI - log_z), 0.0
    )
    rb_central = jnp.where(
        finite_b, jnp.exp(-0.5 * bc * bc - _HALF_LOG_TWO_PI - log_z), 0.0
    )
    r_a = jnp.where(upper, ra_upper, jnp.where(lower, ra_lower, ra_central))
    r_b = jnp.where(upper, rb_upper, jnp.where(lower, rb_lower, rb_central))
    return r_a, r_b


class TruncatedNormal(AbstractSimpleDistribution):
    r"""The normal distribution $\mathcal N(\mu, \sigma^2)$ restricted to
    $[\text{low}, \infty)$, or to $[\text{low}, \text{high}]$ when `high` is given.

    $$\log p(x) = -\tfrac12 z^2 - \log\sigma - \tfrac12\log 2\pi - \log Z,
    \quad Z = \Phi(b) - \Phi(a)$$

    with $z, a, b$ the standardised value and bounds. $\log Z$ is a log-space
    difference of normal cdfs taken in the accurate tail, so the distribution stays
    exact far out (e.g. `low` 30 standard deviations above `loc`). Draws use the
    inverse cdf: `ndtri` where the tail probability it inverts is a normal float,
    in log space (see `eqdist._numerics.log_ndtri`) beyond, and are clipped into
    the bounds, so every draw is inside the support, in float32 too.

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)`, `icdf(q)`.
    Reparameterized in `low`, `loc`, `scale` (and `high`) through the inverse cdf.

    **Arguments:**

    - `low`: the lower bound, any shape broadcastable with the others.
    - `loc`: the location $\mu$ of the untruncated normal.
    - `scale`: its scale $\sigma > 0$.
    - `high`: the upper bound (`None`, the default: no upper bound). Must exceed
      `low`.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    low: Float[Array, "*batch"]
    loc: Float[Array, "*batch"]
    scale: Float[Array, "*batch"]
    high: Float[Array, "*batch"] | None
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "low": constraints.real,
        "loc": constraints.real,
        "scale": constraints.positive,
        "high": constraints.dependent,
    }
    reparametrized_params: ClassVar = ("low", "loc", "scale", "high")

    def __init__(
        self,
        low: Real[ArrayLike, "*#batch"] = 0.0,
        loc: Real[ArrayLike, "*#batch"] = 0.0,
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        high: Real[ArrayLike, "*#batch"] | None = None,
        validate_args: bool | None = None,
    ):
        _init_truncated(self, low, loc, scale, high, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.loc.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        if self.high is None:
            return constraints.greater_than_eq(self.low)
        return constraints.interval(self.low, self.high)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        u = _uniform(self, key, sample_shape)
        a, b = _bounds(self)
        z = _normal_sample_quantile(u, a, b)
        return _clip_to_support(self, self.loc + self.scale * z)

    def _log_prob(self, value: Array) -> Array:
        z = _standardise(self, value)
        a, b = _bounds(self)
        return (
            -0.5 * z * z
            - jnp.log(self.scale)
            - _HALF_LOG_TWO_PI
            - _normal_log_mass(a, b)
        )

    def _ratios(self) -> tuple[Array, Array, Array, Array]:
        """$a$, $b$ (0 when absent) and $\\varphi(a)/Z$, $\\varphi(b)/Z$."""
        a, b = _bounds(self)
        r_a, r_b = _normal_density_ratios(a, b)
        b = jnp.zeros_like(a) if b is None else b
        return (
            jnp.where(jnp.isfinite(a), a, 0.0),
            jnp.where(jnp.isfinite(b), b, 0.0),
            r_a,
            r_b,
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        r"""$\mu + \sigma(\varphi(a) - \varphi(b))/Z$."""
        _, _, r_a, r_b = self._ratios()
        return self.loc + self.scale * (r_a - r_b)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        r"""$\sigma^2\left(1 + (a\varphi(a) - b\varphi(b))/Z
        - ((\varphi(a) - \varphi(b))/Z)^2\right)$."""
        a, b, r_a, r_b = self._ratios()
        return self.scale**2 * (1 + (a * r_a - b * r_b) - (r_a - r_b) ** 2)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\tfrac12\log(2\pi e) + \log\sigma + \log Z
        + (a\varphi(a) - b\varphi(b))/(2Z)$."""
        a, b, r_a, r_b = self._ratios()
        log_z = _normal_log_mass(*_bounds(self))
        return (
            _HALF_LOG_TWO_PI_E + jnp.log(self.scale) + log_z + 0.5 * (a * r_a - b * r_b)
        )

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$(\Phi(z) - \Phi(a))/Z$, from log-space differences."""
        a, b = _bounds(self)
        z = jnp.maximum(_standardise(self, value), a)
        if b is not None:
            z = jnp.minimum(z, b)
        return jnp.exp(log_ndtr_diff(a, z) - _normal_log_mass(a, b))

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""The quantile, computed in log space (accurate far in the tails)."""
        q = jnp.asarray(q, dtype=jnp.result_type(q, self.loc.dtype))
        a, b = _bounds(self)
        return _clip_to_support(self, self.loc + self.scale * _normal_icdf(q, a, b))


# --- Cauchy -------------------------------------------------------------------------


def _angle_above(a: Array) -> Array:
    r"""$\pi\,P(Z > a)$ for a standard Cauchy $Z$: $\operatorname{atan2}(1, a)$."""
    return jnp.arctan2(jnp.ones_like(a), a)


def _angle_between(a: Array, b: Array) -> Array:
    r"""$\arctan b - \arctan a = \operatorname{atan2}(b - a, 1 + ab)$ for $a \le b$
    ($\pi$ times the standard Cauchy mass of $[a, b]$), without the cancellation of
    the difference of arctangents. Both arguments are divided by
    $\max(1, |a|, |b|)$ first, so $ab$ cannot overflow. An infinite `b` gives the
    mass above `a`."""
    infinite = b == jnp.inf
    safe_b = jnp.where(infinite, a + 1, b)
    m = jnp.maximum(jnp.maximum(jnp.abs(a), jnp.abs(safe_b)), 1.0)
    finite = jnp.arctan2((safe_b - a) / m, 1 / m + (a / m) * safe_b)
    return jnp.where(infinite, _angle_above(a), finite)


def _cauchy_log_angle(a: Array, b: Array | None) -> Array:
    return jnp.log(_angle_above(a) if b is None else _angle_between(a, b))


def _cauchy_icdf(q: Array, a: Array, b: Array | None) -> Array:
    r"""The standard truncated-Cauchy quantile.

    With $\theta = \pi Z$, the point $z$ has $\pi\Phi(z) = \pi F(a) + q\theta$ and
    $\pi(1 - F(z)) = \pi(1 - F(b)) + (1 - q)\theta$: sums of positive angles. The
    smaller one, $\psi \le \pi/2$, gives $z = \pm\cot\psi$ with full relative
    precision in either tail.
    """
    if b is None:
        theta = _angle_above(a)
        above_b = jnp.zeros_like(a)
    else:
        theta = _angle_between(a, b)
        above_b = _angle_above(b)
    psi_lower = _angle_above(-a) + q * theta
    psi_upper = above_b + (1 - q) * theta
    lower = psi_lower < psi_upper
    psi = jnp.minimum(psi_lower, psi_upper)
    cot = jnp.cos(psi) / jnp.sin(psi)
    return jnp.where(lower, -cot, cot)


class TruncatedCauchy(AbstractSimpleDistribution):
    r"""The Cauchy distribution with location $\mu$ and scale $\gamma$ restricted to
    $[\text{low}, \infty)$, or to $[\text{low}, \text{high}]$ when `high` is given.

    $$\log p(x) = -\log(1 + z^2) - \log\gamma - \log\theta,
    \quad \theta = \arctan b - \arctan a$$

    with $z, a, b$ the standardised value and bounds; $\theta$ ($\pi$ times the
    mass kept) is computed as a single `atan2`, never as a difference of
    arctangents, so bounds far in the tails (e.g. $a = 10^{10}$) stay exact.

    Closed forms: `mean` and `variance` (two-sided:
    $\bar z = \log\frac{1+b^2}{1+a^2}/(2\theta)$ and
    $E z^2 = (b - a)/\theta - 1$; one-sided: $+\infty$ for both), `cdf(x)`,
    `icdf(q)`. No `entropy()` (no elementary closed form). Reparameterized in
    `low`, `loc`, `scale` (and `high`) through the inverse cdf; draws are clipped
    into the bounds.

    **Arguments:**

    - `low`: the lower bound, any shape broadcastable with the others.
    - `loc`: the location $\mu$ of the untruncated Cauchy distribution.
    - `scale`: its scale $\gamma > 0$.
    - `high`: the upper bound (`None`, the default: no upper bound). Must exceed
      `low`.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    low: Float[Array, "*batch"]
    loc: Float[Array, "*batch"]
    scale: Float[Array, "*batch"]
    high: Float[Array, "*batch"] | None
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "low": constraints.real,
        "loc": constraints.real,
        "scale": constraints.positive,
        "high": constraints.dependent,
    }
    reparametrized_params: ClassVar = ("low", "loc", "scale", "high")

    def __init__(
        self,
        low: Real[ArrayLike, "*#batch"] = 0.0,
        loc: Real[ArrayLike, "*#batch"] = 0.0,
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        high: Real[ArrayLike, "*#batch"] | None = None,
        validate_args: bool | None = None,
    ):
        _init_truncated(self, low, loc, scale, high, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.loc.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        if self.high is None:
            return constraints.greater_than_eq(self.low)
        return constraints.interval(self.low, self.high)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        u = _uniform(self, key, sample_shape)
        a, b = _bounds(self)
        z = _cauchy_icdf(u, a, b)
        return _clip_to_support(self, self.loc + self.scale * z)

    def _log_prob(self, value: Array) -> Array:
        z = _standardise(self, value)
        a, b = _bounds(self)
        return -log1p_square(z) - jnp.log(self.scale) - _cauchy_log_angle(a, b)

    @property
    def mean(self) -> Float[Array, "*batch"]:
        r"""$\mu + \gamma\log\frac{1+b^2}{1+a^2}/(2\theta)$; $+\infty$ if
        one-sided."""
        if self.high is None:
            return jnp.full(self.batch_shape, jnp.inf, dtype=self.loc.dtype)
        a, b = _bounds(self)
        theta = _angle_between(a, b)
        return self.loc + self.scale * (log1p_square(b) - log1p_square(a)) / (2 * theta)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        r"""$\gamma^2\left((b - a)/\theta - 1 - \bar z^2\right)$; $+\infty$ if
        one-sided."""
        if self.high is None:
            return jnp.full(self.batch_shape, jnp.inf, dtype=self.loc.dtype)
        a, b = _bounds(self)
        theta = _angle_between(a, b)
        mean_z = (log1p_square(b) - log1p_square(a)) / (2 * theta)
        return self.scale**2 * ((b - a) / theta - 1 - mean_z**2)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$(\arctan z - \arctan a)/\theta$, as a ratio of stable angles."""
        a, b = _bounds(self)
        z = jnp.maximum(_standardise(self, value), a)
        if b is not None:
            z = jnp.minimum(z, b)
        theta = _angle_above(a) if b is None else _angle_between(a, b)
        return _angle_between(a, z) / theta

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""The quantile $z = \pm\cot\psi$ (see the module), accurate in the tails."""
        q = jnp.asarray(q, dtype=jnp.result_type(q, self.loc.dtype))
        a, b = _bounds(self)
        return _clip_to_support(self, self.loc + self.scale * _cauchy_icdf(q, a, b))
