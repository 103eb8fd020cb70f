"""Student's t distribution."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.scipy.special import betainc, digamma
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import betaln, standardize
from ._gamma import log_standard_gamma


class StudentT(AbstractSimpleDistribution):
    r"""Student's t distribution with $\nu$ degrees of freedom, location $\mu$ and
    scale $\sigma$.

    $$\log p(x) = -\log B(\tfrac12, \tfrac\nu2) - \tfrac12\log\nu - \log\sigma
    - \tfrac{\nu+1}{2}\log\!\left(1 + z^2/\nu\right), \quad z = (x-\mu)/\sigma$$

    The normaliser is written with `betaln`, whose large-argument algorithm avoids
    the cancellation of $\log\Gamma(\tfrac{\nu+1}2) - \log\Gamma(\tfrac\nu2)$, so
    the density tends to the normal one as $\nu \to \infty$. Far in the tails
    ($z^2/\nu > 1/\epsilon$) the log term is taken as $2\log|x - \mu| - 2\log\sigma
    - \log\nu$, finite where $z^2$ overflows.

    Draws are $\mu + \sigma Z \sqrt{(\nu/2) / G}$ with $Z \sim N(0, 1)$ and
    $G \sim \mathrm{Gamma}(\nu/2)$, the factor formed in log space from $\log G$
    (`log_standard_gamma`), so that small $\nu$ (0.05 in float32, $10^{-3}$ in
    float64), where $G$ underflows, still give correctly distributed draws; draws
    beyond the dtype's range come out as its largest finite value.

    Closed forms: `mean` ($\mu$ for $\nu > 1$, NaN otherwise), `variance`
    ($\sigma^2\nu/(\nu-2)$ for $\nu > 2$, $+\infty$ for $1 < \nu \le 2$, NaN for
    $\nu \le 1$), `entropy()`, `cdf(x)` (regularised incomplete beta). No `icdf`
    (it needs the inverse incomplete beta function). Reparameterized in `loc` and
    `scale`; `df` is not (the gamma draw inside has no pathwise gradient here).

    **Arguments:**

    - `df`: the degrees of freedom $\nu > 0$.
    - `loc`: the location $\mu$.
    - `scale`: the scale $\sigma > 0$.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    df: Float[Array, "*batch"]
    loc: Float[Array, "*batch"]
    scale: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    reparametrized_params: ClassVar = ("loc", "scale")

    def __init__(
        self,
        df: Real[ArrayLike, "*#batch"],
        loc: Real[ArrayLike, "*#batch"] = 0.0,
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params(
            {"df": (df, 0), "loc": (loc, 0), "scale": (scale, 0)}, validate_args
        )

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
        shape = self.shape(sample_shape)
        dtype = self.loc.dtype
        key_normal, key_gamma = jax.random.split(key)
        half_df = jnp.broadcast_to(jax.lax.stop_gradient(0.5 * self.df), shape)
        normal = jax.random.normal(key_normal, shape, dtype)
        # t = Z / sqrt(G / (nu/2)) with G ~ Gamma(nu/2), and the ratio (times the
        # scale) formed in log space: for nu below ~0.1, G underflows in float32
        # (and in float64 for nu ~ 1e-3) although the quotient is representable.
        log_gamma = log_standard_gamma(key_gamma, half_df.astype(dtype), shape)
        log_factor = 0.5 * (jnp.log(half_df) - log_gamma) + jnp.log(self.scale)
        return self.loc + normal * jnp.exp(log_factor)

    def _log_prob(self, value: Array) -> Array:
        df = self.df
        z = standardize(value, self.loc, self.scale)
        # Far out (z^2 / nu beyond 1 / eps, or z^2 overflowing, as for the heavy
        # tailed draws of a small nu), log1p(z^2 / nu) = 2 log|z| - log nu, with
        # log|z| = log|x - mu| - log sigma finite where z is not. Both branches get
        # stand-in inputs where unused ("double where"), so no gradient is NaN.
        eps = jnp.finfo(z.dtype).eps
        far = jax.lax.stop_gradient(z * z * eps > df)
        z_near = standardize(jnp.where(far, self.loc, value), self.loc, self.scale)
        near_term = jnp.log1p(z_near * z_near / df)
        diff = jnp.where(far, value - self.loc, self.scale)  # stand-in: |z| = 1
        log_abs_z = jnp.log(jnp.abs(diff)) - jnp.log(self.scale)
        far_term = 2 * log_abs_z - jnp.log(df) + jnp.exp(jnp.log(df) - 2 * log_abs_z)
        return (
            -betaln(0.5, 0.5 * df)
            - 0.5 * jnp.log(df)
            - jnp.log(self.scale)
            - 0.5 * (df + 1) * jnp.where(far, far_term, near_term)
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        r"""$\mu$ for $\nu > 1$; NaN (undefined) for $\nu \le 1$."""
        return jnp.where(self.df > 1, self.loc, jnp.nan)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        r"""$\sigma^2\nu/(\nu - 2)$ for $\nu > 2$; $+\infty$ for $1 < \nu \le 2$;
        NaN for $\nu \le 1$."""
        df = self.df
        safe_df = jnp.where(df > 2, df, 3.0)
        finite = self.scale**2 * safe_df / (safe_df - 2)
        return jnp.where(df > 2, finite, jnp.where(df > 1, jnp.inf, jnp.nan))

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\tfrac{\nu+1}{2}\left(\psi(\tfrac{\nu+1}{2}) - \psi(\tfrac\nu2)\right)
        + \tfrac12\log\nu + \log B(\tfrac\nu2, \tfrac12) + \log\sigma$."""
        df = self.df
        half = 0.5 * df
        return (
            (half + 0.5) * (digamma(half + 0.5) - digamma(half))
            + 0.5 * jnp.log(df)
            + betaln(half, 0.5)
            + jnp.log(self.scale)
        )

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\tfrac12 + \tfrac12\operatorname{sign}(z)\,
        I_{z^2/(\nu + z^2)}(\tfrac12, \tfrac\nu2)$ near the centre, and
        $\tfrac12 I_{\nu/(\nu + z^2)}(\tfrac\nu2, \tfrac12)$ (the tail mass) far out,
        so neither end loses precision."""
        df = self.df
        z = standardize(value, self.loc, self.scale)
        z2 = z * z
        near = z2 < df
        # Near the centre: the mass between 0 and |z|.
        x_near = jnp.where(near, z2 / (df + z2), 0.5)
        centre = 0.5 * betainc(0.5, 0.5 * df, x_near)
        # Far out: the mass beyond |z|.
        x_far = jnp.where(near, 0.5, df / (df + z2))
        tail = 0.5 * betainc(0.5 * df, 0.5, x_far)
        lower_mass = jnp.where(near, 0.5 - centre, tail)  # P(T <= -|z|)
        return jnp.where(z > 0, 1 - lower_mass, lower_mass)
