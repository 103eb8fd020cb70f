"""The Pareto distribution."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution


class Pareto(AbstractSimpleDistribution):
    r"""The Pareto (type I) distribution with shape $\alpha$ and scale $m$.

    $$\log p(x) = \log\alpha + \alpha\log m - (\alpha + 1)\log x, \quad x \ge m$$

    The support is the closed half line `greater_than_eq(scale)`: the density is
    positive at $x = m$, and draws can equal $m$ after rounding (e.g. for large
    $\alpha$), so the bound belongs to the support.

    Closed forms: `mean` ($+\infty$ for $\alpha \le 1$), `variance` ($+\infty$ for
    $\alpha \le 2$), `entropy()`, `cdf(x)`, `icdf(q)`. Reparameterized in `alpha`
    and `scale` through the inverse cdf, $x = m\,e^{E/\alpha}$ with
    $E \sim \mathrm{Exponential}(1)$.

    **Arguments:**

    - `alpha`: the shape (tail index) $\alpha > 0$.
    - `scale`: the scale (minimum) $m > 0$.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    alpha: Float[Array, "*batch"]
    scale: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "alpha": constraints.positive,
        "scale": constraints.positive,
    }
    reparametrized_params: ClassVar = ("alpha", "scale")

    def __init__(
        self,
        alpha: Real[ArrayLike, "*#batch"],
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        validate_args: bool | None = None,
    ):
        self._init_params({"alpha": (alpha, 0), "scale": (scale, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.alpha.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.greater_than_eq(self.scale)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        e = jax.random.exponential(
            key, self.shape(sample_shape), dtype=self.alpha.dtype
        )
        return self.scale * jnp.exp(e / self.alpha)

    def _log_prob(self, value: Array) -> Array:
        return (
            jnp.log(self.alpha)
            + self.alpha * jnp.log(self.scale)
            - (self.alpha + 1) * jnp.log(value)
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        r"""$\alpha m/(\alpha - 1)$ for $\alpha > 1$, $+\infty$ otherwise."""
        a = self.alpha
        safe = jnp.where(a > 1, a, 2.0)
        return jnp.where(a > 1, safe * self.scale / (safe - 1), jnp.inf)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        r"""$m^2\alpha/((\alpha-1)^2(\alpha-2))$ for $\alpha > 2$, $+\infty$
        otherwise."""
        a = self.alpha
        safe = jnp.where(a > 2, a, 3.0)
        finite = self.scale**2 * safe / ((safe - 1) ** 2 * (safe - 2))
        return jnp.where(a > 2, finite, jnp.inf)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\log(m/\alpha) + 1/\alpha + 1$."""
        return jnp.log(self.scale / self.alpha) + 1 / self.alpha + 1

    def cdf(self, value: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$1 - (m/x)^\alpha$ for $x \ge m$ (as $-\operatorname{expm1}$), else 0."""
        value = jnp.asarray(value, dtype=jnp.result_type(value, self.alpha.dtype))
        inside = value >= self.scale
        safe = jnp.where(inside, value, self.scale)
        return jnp.where(
            inside, -jnp.expm1(self.alpha * jnp.log(self.scale / safe)), 0.0
        )

    def icdf(self, q: Real[ArrayLike, "*#sample_batch"]) -> Array:
        r"""$m(1-q)^{-1/\alpha}$, as $m\exp(-\operatorname{log1p}(-q)/\alpha)$."""
        q = jnp.asarray(q, dtype=jnp.result_type(q, self.alpha.dtype))
        return self.scale * jnp.exp(-jnp.log1p(-q) / self.alpha)
