"""The Dirichlet distribution."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.scipy.special import digamma
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import gammaln, xlogy
from ._gamma import log_standard_gamma


def _log_normalizer(concentration: Array) -> Array:
    r"""$\log B(\alpha) = \sum_i \log\Gamma(\alpha_i) - \log\Gamma(\alpha_0)$."""
    return jnp.sum(gammaln(concentration), axis=-1) - gammaln(
        jnp.sum(concentration, axis=-1)
    )


class Dirichlet(AbstractSimpleDistribution):
    r"""The Dirichlet distribution on the probability simplex of dimension $K$.

    $$\log p(x) = \sum_{i=1}^K (\alpha_i - 1)\log x_i + \log\Gamma(\alpha_0)
    - \sum_{i=1}^K \log\Gamma(\alpha_i), \qquad \alpha_0 = \sum_i \alpha_i$$

    Closed forms: `mean`, `variance` (of each coordinate), `entropy()`. No `cdf` or
    `icdf`. Each coordinate $x_i$ is $\mathrm{Beta}(\alpha_i, \alpha_0 - \alpha_i)$.

    Sampling: $x = \mathrm{softmax}(\log G)$ with independent
    $G_i \sim \mathrm{Gamma}(\alpha_i, 1)$ drawn in log space (`log_standard_gamma`),
    so tiny concentrations never give $0/0$; coordinates are clipped below at `tiny`
    so `log_prob` of a sample is finite. Reparameterized in `concentration` through
    the implicit gamma gradients (Figurnov, Mohamed & Mnih 2018).

    **Arguments:**

    - `concentration`: $\alpha$ with every $\alpha_i > 0$, shape
      `batch_shape + (K,)`; the last axis is the event axis.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    concentration: Float[Array, "*batch k"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"concentration": constraints.positive}
    reparametrized_params: ClassVar = ("concentration",)

    def __init__(
        self,
        concentration: Real[ArrayLike, "*#batch k"],
        validate_args: bool | None = None,
    ):
        self._init_params({"concentration": (concentration, 1)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.concentration.shape[:-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.concentration.shape[-1:]

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.simplex

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        dtype = self.concentration.dtype
        log_g = log_standard_gamma(key, self.concentration, self.shape(sample_shape))
        x = jax.nn.softmax(log_g, axis=-1)
        return jnp.clip(x, jnp.finfo(dtype).tiny, 1)

    def _log_prob(self, value: Array) -> Array:
        alpha = self.concentration
        return jnp.sum(xlogy(alpha - 1, value), axis=-1) - _log_normalizer(alpha)

    @property
    def mean(self) -> Float[Array, "*batch k"]:
        return self.concentration / jnp.sum(self.concentration, axis=-1, keepdims=True)

    @property
    def variance(self) -> Float[Array, "*batch k"]:
        alpha = self.concentration
        total = jnp.sum(alpha, axis=-1, keepdims=True)
        return alpha * (total - alpha) / (total**2 * (total + 1))

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\log B(\alpha) + (\alpha_0 - K)\psi(\alpha_0)
        - \sum_i (\alpha_i - 1)\psi(\alpha_i)$."""
        alpha = self.concentration
        total = jnp.sum(alpha, axis=-1)
        k = alpha.shape[-1]
        return (
            _log_normalizer(alpha)
            + (total - k) * digamma(total)
            - jnp.sum((alpha - 1) * digamma(alpha), axis=-1)
        )
