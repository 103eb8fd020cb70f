"""The Gaussian random walk."""

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
from .._numerics import standardize

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class GaussianRandomWalk(AbstractSimpleDistribution):
    r"""A random walk of `num_steps` steps with independent
    $\mathcal N(0, \sigma^2)$ increments, started at 0: $x_t = \sum_{s \le t}
    \varepsilon_s$.

    $$\log p(x) = \sum_{t=1}^{T}\left(-\tfrac12\left(\frac{x_t - x_{t-1}}{\sigma}
    \right)^2 - \log\sigma - \tfrac12\log 2\pi\right), \quad x_0 = 0$$

    `event_shape` is `(num_steps,)`. Closed forms: `mean` (zeros), `variance`
    ($t\sigma^2$ at step $t$), `entropy()` (the cumulative sum has unit Jacobian, so
    it is $T$ times the normal entropy). Reparameterized in `scale`.

    **Arguments:**

    - `scale`: the increment standard deviation $\sigma > 0$; its shape is the
      batch shape.
    - `num_steps`: the number of steps $T \ge 1$ (a static Python int).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    scale: Float[Array, "*batch"]
    num_steps: int = eqx.field(static=True)
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"scale": constraints.positive}
    reparametrized_params: ClassVar = ("scale",)

    def __init__(
        self,
        scale: Real[ArrayLike, "*#batch"] = 1.0,
        num_steps: int = 1,
        validate_args: bool | None = None,
    ):
        if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)):
            raise TypeError(
                "GaussianRandomWalk: `num_steps` must be a Python int, got "
                f"{num_steps!r}."
            )
        if num_steps < 1:
            raise ValueError(
                f"GaussianRandomWalk: `num_steps` must be >= 1, got {num_steps}."
            )
        self.num_steps = int(num_steps)
        self._init_params({"scale": (scale, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.scale.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (self.num_steps,)

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        eps = jax.random.normal(key, self.shape(sample_shape), dtype=self.scale.dtype)
        return jnp.cumsum(self.scale[..., None] * eps, axis=-1)

    def _log_prob(self, value: Array) -> Array:
        steps = jnp.diff(value, axis=-1, prepend=jnp.zeros_like(value[..., :1]))
        # `standardize`: its derivative in `scale` does not overflow at 1e-30.
        z = standardize(steps, 0.0, self.scale[..., None])
        per_step = -0.5 * jnp.sum(z * z, axis=-1)
        return per_step - self.num_steps * (jnp.log(self.scale) + _HALF_LOG_TWO_PI)

    @property
    def mean(self) -> Float[Array, "*batch num_steps"]:
        """Zeros."""
        return jnp.zeros(self.batch_shape + self.event_shape, dtype=self.scale.dtype)

    @property
    def variance(self) -> Float[Array, "*batch num_steps"]:
        r"""$t\sigma^2$ for $t = 1, \dots, T$."""
        steps = jnp.arange(1, self.num_steps + 1, dtype=self.scale.dtype)
        return self.scale[..., None] ** 2 * steps

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$T\left(\tfrac12 + \tfrac12\log 2\pi + \log\sigma\right)$."""
        return self.num_steps * (0.5 + _HALF_LOG_TWO_PI + jnp.log(self.scale))
