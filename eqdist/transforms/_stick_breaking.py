"""`StickBreakingTransform`."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .. import constraints
from ._base import AbstractTransform


def _offset(k_minus_1: int, dtype: jnp.dtype) -> Array:
    """$\\log(K - 1 - i)$: centres the map so that zeros go to the uniform simplex."""
    return jnp.log(jnp.arange(k_minus_1, 0, -1, dtype=dtype))


def _cumsum_from_zero(x: Array) -> Array:
    """`[0, x_0, x_0 + x_1, ..., sum(x)]`: one longer than `x` along the last axis."""
    zero = jnp.zeros_like(x[..., :1], shape=x.shape[:-1] + (1,))
    return jnp.concatenate([zero, jnp.cumsum(x, axis=-1)], axis=-1)


class StickBreakingTransform(AbstractTransform):
    r"""From $\mathbb{R}^{K-1}$ onto the $K$-simplex by stick breaking.

    With $u_i = x_i - \log(K - 1 - i)$ (0-based, so that $x = 0$ gives the uniform
    point) and $z_i = \sigma(u_i)$, piece $i$ takes the fraction $z_i$ of what is
    left of the stick: $y_i = z_i \prod_{k<i} (1 - z_k)$, and $y_{K-1}$ is the rest.
    This is Stan's parameterisation (Stan Reference Manual, "Unit simplex") and
    NumPyro's.

    Everything is computed in log space ($\log z = -\operatorname{softplus}(-u)$,
    $\log(1 - z) = -\operatorname{softplus}(u)$), so tiny pieces neither underflow
    to exactly zero early nor lose precision. The Jacobian of $y_{0:K-1}$ with
    respect to $x$ is triangular:

    $$\log|\det J| = \sum_i \Big[\log z_i + \log(1 - z_i)
    + \sum_{k<i} \log(1 - z_k)\Big].$$

    The inverse uses $\text{rest}_i = \sum_{k>i} y_k$ (a reverse cumulative sum, free
    of the cancellation in $1 - \sum_{k \le i} y_k$):
    $x_i = \log y_i - \log \text{rest}_i + \log(K - 1 - i)$.
    """

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.simplex

    def call_with_intermediates(
        self, x: Float[ArrayLike, "... k"]
    ) -> tuple[Array, Any]:
        x = jnp.asarray(x)
        u = x - _offset(x.shape[-1], x.dtype)
        log_z = -jax.nn.softplus(-u)
        # log of what is left of the stick before piece i, for i = 0..K-1.
        log_left = _cumsum_from_zero(-jax.nn.softplus(u))
        log_y = jnp.concatenate([log_z + log_left[..., :-1], log_left[..., -1:]], -1)
        return jnp.exp(log_y), None

    def inv(self, y: Float[ArrayLike, "... k"]) -> Array:
        y = jnp.asarray(y)
        tiny = jnp.finfo(y.dtype).tiny
        # rest_i = y_{i+1} + ... + y_{K-1}, summed from the small end.
        rest = jnp.flip(jnp.cumsum(jnp.flip(y[..., 1:], -1), axis=-1), -1)
        log_y = jnp.log(jnp.maximum(y[..., :-1], tiny))
        log_rest = jnp.log(jnp.maximum(rest, tiny))
        return log_y - log_rest + _offset(y.shape[-1] - 1, y.dtype)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "... k"],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        x = jnp.asarray(x)
        u = x - _offset(x.shape[-1], x.dtype)
        log_1mz = -jax.nn.softplus(u)
        log_left = _cumsum_from_zero(log_1mz)[..., :-1]
        terms = -jax.nn.softplus(-u) + log_1mz + log_left
        return jnp.sum(terms, axis=-1)
