"""The log-normal distribution."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import ndtr, ndtri, standardize

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class LogNormal(AbstractSimpleDistribution):
    r"""The log-normal distribution: $e^{Y}$ for $Y \sim \mathcal N(\mu, \sigma^2)$.

    $$\log p(x) = -\log x - \log\sigma - \tfrac12\log 2\pi
    - \tfrac12\left(\frac{\log x - \mu}{\sigma}\right)^2, \quad x > 0$$

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)`, `icdf(q)`.
    Reparameterized in `loc` and `scale` ($x = e^{\mu + \sigma\varepsilon}$).

    **Arguments:**

    - `loc`: the mean $\mu$ of $\log x$, any shape broadcastable with `scale`.
    - `scale`: the standard deviation $\sigma > 0$ of $\log x$.
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
        return constraints.positive

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        eps = jax.random.normal(key, self.shape(sample_shape), dtype=self.loc.dtype)
        return jnp.exp(self.loc + self.scale * eps)

    def _log_prob(self, value: Array) -> Array:
        log_x = jnp.log(value)
        z = standardize(log_x, self.loc, self.scale)
        return -0.5 * z * z - log_x - jnp.log(self.scale) - _HALF_LOG_TWO_PI

    @property
    def mean(self) -> Float[Array, "*batch"]:
        r"""$e^{\mu + \sigma^2/2}$."""
        return jnp.exp(self.loc + 0.5 * self.scale**2)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        r"""$(e^{\sigma^2} - 1)\,e^{2\mu + \sigma^2}$ (with `expm1` for small
        $\sigma$)."""
        s2 = self.scale**2
        return jnp.expm1(s2) * jnp.exp(2 * self.loc + s2)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\mu + \tfrac12 + \tfrac12\log 2\pi + \log\sigma$."""
        return self.loc + 0.5 + _HALF_LOG_TWO_PI + jnp.log(self.scale)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\Phi((\log x - \mu)/\sigma)$ for $x > 0$, else 0."""
        value = jnp.asarray(value, dtype=jnp.result_type(value, self.loc.dtype))
        positive = value > 0
        log_x = jnp.log(jnp.where(positive, value, 1.0))
        return jnp.where(positive, ndtr((log_x - self.loc) / self.scale), 0.0)

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\exp(\mu + \sigma\Phi^{-1}(q))$."""
        q = jnp.asarray(q, dtype=jnp.result_type(q, self.loc.dtype))
        return jnp.exp(self.loc + self.scale * ndtri(q))
