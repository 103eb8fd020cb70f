"""The normal distribution."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.scipy.special import ndtr
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import ndtri, standardize

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class Normal(AbstractSimpleDistribution):
    r"""The normal (Gaussian) distribution $\mathcal N(\mu, \sigma^2)$.

    $$\log p(x) = -\tfrac12\left(\frac{x-\mu}{\sigma}\right)^2 - \log\sigma
    - \tfrac12\log 2\pi$$

    Closed forms: `mean`, `variance`, `entropy()`, `cdf(x)`, `icdf(q)`.
    Reparameterized in `loc` and `scale` ($x = \mu + \sigma\varepsilon$).

    **Arguments:**

    - `loc`: the mean $\mu$, any shape broadcastable with `scale`.
    - `scale`: the standard deviation $\sigma > 0$.
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
        eps = jax.random.normal(key, self.shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + self.scale * eps

    def _log_prob(self, value: Array) -> Array:
        z = standardize(value, self.loc, self.scale)
        return -0.5 * z * z - jnp.log(self.scale) - _HALF_LOG_TWO_PI

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return self.loc

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return self.scale**2

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\tfrac12 + \tfrac12\log 2\pi + \log\sigma$."""
        return 0.5 + _HALF_LOG_TWO_PI + jnp.log(self.scale)

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\Phi((x-\mu)/\sigma)$."""
        return ndtr((value - self.loc) / self.scale)

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$\mu + \sigma\,\Phi^{-1}(q)$."""
        return self.loc + self.scale * ndtri(q)
