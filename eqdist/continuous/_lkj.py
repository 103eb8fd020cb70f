"""The LKJ distribution over Cholesky factors of correlation matrices."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import gammaln
from ._gamma import log_standard_gamma

_SAMPLE_METHODS = ("onion", "cvine")
_HALF_LOG_PI = 0.5 * math.log(math.pi)
_LOG_TWO = math.log(2.0)


class LKJCholesky(AbstractSimpleDistribution):
    r"""The LKJ distribution on lower Cholesky factors $L$ of $d \times d$
    correlation matrices $C = L L^\top$ (Lewandowski, Kurowicka & Joe 2009,
    "Generating random correlation matrices based on vines and extended onion
    method", J. Multivariate Anal. 100(9)).

    On correlation matrices the density is $p(C) = \det(C)^{\eta-1} / c_d(\eta)$
    with respect to Lebesgue measure on the off-diagonal entries. The map from the
    strictly lower entries of $L$ to those of $C$ has Jacobian
    $\prod_{k=1}^{d} L_{kk}^{d-k}$, and $\det C = \prod_k L_{kk}^2$, so

    $$\log p(L) = \sum_{k=2}^{d} \bigl(2(\eta - 1) + d - k\bigr)\log L_{kk}
    - \log c_d(\eta),$$

    $$\log c_d(\eta) = \sum_{k=1}^{d-1} (d-k)\Bigl[\tfrac12\log\pi
    + \log\Gamma(b_k) - \log\Gamma(b_k + \tfrac12)\Bigr],
    \qquad b_k = \eta + \tfrac{d-k-1}{2},$$

    the paper's constant $\prod_k \bigl[2^{2b_k-1}B(b_k, b_k)\bigr]^{d-k}$ rewritten
    with Legendre's duplication formula, which removes the large powers of two.
    Every off-diagonal correlation $r$ of $C$ has $(r+1)/2 \sim
    \mathrm{Beta}(\eta - 1 + d/2, \eta - 1 + d/2)$. With $\eta = 1$ the distribution
    of $C$ is uniform; $\eta > 1$ favours near-identity matrices, $\eta < 1$ strong
    correlations.

    Samplers (both exact, giving the same distribution):

    - `'onion'` (the paper's extended onion method, Section 3.2): row $m$ of $L$
      (0-based) is $(\sqrt{y_m}\,u_m, \sqrt{1-y_m}, 0, \dots)$ with
      $y_m \sim \mathrm{Beta}(m/2, \eta + (d-1-m)/2)$ and $u_m$ uniform on the
      sphere $S^{m-1}$. It is drawn as $(z/\sqrt2, \sqrt g)/\sqrt{|z|^2/2 + g}$
      with $z \sim \mathcal N(0, I_m)$ and $g \sim \mathrm{Gamma}(\eta + (d-1-m)/2)$,
      in log space so tiny diagonals do not underflow to zero.
    - `'cvine'` (Section 2.4): partial correlations $p_{ji}$ at vine level $j$ are
      drawn as $2\,\mathrm{Beta}(\beta_j, \beta_j) - 1$, $\beta_j = \eta + (d-2-j)/2$,
      and $L_{ij} = p_{ji}\prod_{k<j}\sqrt{1 - p_{ki}^2}$. Each $p$ is
      $\tanh((\log g_1 - \log g_2)/2)$ for independent $g_{1,2} \sim
      \mathrm{Gamma}(\beta_j)$, which keeps $\log\sqrt{1-p^2} = -\log\cosh$ exact.

    No closed-form `mean`, `variance` or `entropy()`. Not reparameterized (the
    samplers use gamma draws in the concentration).

    **Arguments:**

    - `dimension`: $d \ge 2$, a Python int (static). A $1 \times 1$ correlation
      matrix can only be $[1]$, a point mass with no density, so $d = 1$ is rejected
      (as in NumPyro).
    - `concentration`: $\eta > 0$, shape `batch`.
    - `sample_method`: `'onion'` (default) or `'cvine'` (static).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    concentration: Float[Array, "*batch"]
    dimension: int = eqx.field(static=True)
    sample_method: str = eqx.field(static=True)
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"concentration": constraints.positive}
    reparametrized_params: ClassVar = ()

    def __init__(
        self,
        dimension: int,
        concentration: Real[ArrayLike, "*#batch"] = 1.0,
        sample_method: str = "onion",
        validate_args: bool | None = None,
    ):
        if isinstance(dimension, (bool, np.bool_)) or not isinstance(
            dimension, (int, np.integer)
        ):
            raise TypeError(
                "LKJCholesky: `dimension` must be a Python int >= 2, got "
                f"{type(dimension).__name__} {dimension!r}."
            )
        if dimension < 2:
            raise ValueError(
                f"LKJCholesky: `dimension` must be >= 2, got {dimension} (a 1 x 1 "
                "correlation matrix is always [[1]]: it has no density)."
            )
        if sample_method not in _SAMPLE_METHODS:
            raise ValueError(
                "LKJCholesky: `sample_method` must be 'onion' or 'cvine', got "
                f"{sample_method!r}."
            )
        self.dimension = int(dimension)
        self.sample_method = sample_method
        self._init_params({"concentration": (concentration, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.concentration.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.dimension, self.dimension)

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.corr_cholesky

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        eta = jnp.broadcast_to(self.concentration, sample_shape + self.batch_shape)
        if self.sample_method == "onion":
            return _onion(key, eta, self.dimension)
        return _cvine(key, eta, self.dimension)

    def _log_prob(self, value: Array) -> Array:
        d = self.dimension
        eta = self.concentration
        # log L_kk for k = 2..d (1-based); L_11 = 1 contributes nothing.
        log_diagonal = jnp.log(jnp.diagonal(value, axis1=-2, axis2=-1)[..., 1:])
        k = jnp.arange(2, d + 1, dtype=eta.dtype)
        exponent = 2 * (eta[..., None] - 1) + d - k
        return jnp.sum(exponent * log_diagonal, axis=-1) - _log_normalizer(eta, d)


def _log_normalizer(eta: Array, d: int) -> Array:
    r"""$\log c_d(\eta) = \log\int \det(C)^{\eta-1}\,dC$ over $d \times d$
    correlation matrices (see `LKJCholesky`)."""
    k = jnp.arange(1, d, dtype=eta.dtype)
    b = eta[..., None] + (d - k - 1) / 2
    terms = (d - k) * (_HALF_LOG_PI + gammaln(b) - gammaln(b + 0.5))
    return jnp.sum(terms, axis=-1)


def _onion(key: PRNGKeyArray, eta: Array, d: int) -> Array:
    """Extended onion sampler; `eta` has the full `sample + batch` shape."""
    normal_key, gamma_key = jax.random.split(key)
    dtype = eta.dtype
    strictly_lower = jnp.tril(jnp.ones((d, d), dtype=bool), k=-1)
    z = jax.random.normal(normal_key, eta.shape + (d, d), dtype=dtype)
    z = jnp.where(strictly_lower, z, 0)
    m = jnp.arange(d, dtype=dtype)
    # Row m: g ~ Gamma(eta + (d-1-m)/2); row 0 gives the diagonal 1 exactly.
    log_g = log_standard_gamma(
        gamma_key, eta[..., None] + (d - 1 - m) / 2, eta.shape + (d,)
    )
    half_sq = 0.5 * jnp.sum(z * z, axis=-1)
    safe_half_sq = jnp.where(half_sq > 0, half_sq, 1)
    log_half_sq = jnp.where(half_sq > 0, jnp.log(safe_half_sq), -jnp.inf)
    log_total = jnp.logaddexp(log_half_sq, log_g)
    off_diagonal = z * (math.sqrt(0.5) * jnp.exp(-0.5 * log_total))[..., None]
    diagonal = jnp.exp(0.5 * (log_g - log_total))
    return off_diagonal + diagonal[..., None] * jnp.eye(d, dtype=dtype)


def _cvine(key: PRNGKeyArray, eta: Array, d: int) -> Array:
    """C-vine sampler; `eta` has the full `sample + batch` shape."""
    dtype = eta.dtype
    # Column j of the matrix holds the level-j partial correlations.
    j = jnp.arange(d, dtype=dtype)
    beta = jnp.broadcast_to(eta[..., None, None] + (d - 2 - j) / 2, eta.shape + (d, d))
    # Unused entries (upper triangle, diagonal) may see a shape <= 0 at j = d-1;
    # give them a harmless shape, they are masked out below.
    strictly_lower = jnp.tril(jnp.ones((d, d), dtype=bool), k=-1)
    beta = jnp.where(strictly_lower, beta, 1)
    # One gamma call for both halves of each Beta draw (one compiled sampler).
    log_g = log_standard_gamma(key, beta, (2, *beta.shape))
    x = 0.5 * (log_g[0] - log_g[1])
    x = jnp.where(strictly_lower, x, 0)
    partial = jnp.tanh(x)
    # log sqrt(1 - tanh(x)^2) = -log cosh(x), written without overflow.
    abs_x = jnp.abs(x)
    log_sech = -(abs_x + jnp.log1p(jnp.exp(-2 * abs_x)) - _LOG_TWO)
    # Exclusive cumulative sum along each row: the product over levels k < j.
    log_remaining = jnp.cumsum(log_sech, axis=-1) - log_sech
    off_diagonal = partial * jnp.exp(log_remaining)
    diagonal = jnp.exp(jnp.sum(log_sech, axis=-1))
    return off_diagonal + diagonal[..., None] * jnp.eye(d, dtype=dtype)
