"""Numerically careful helpers shared by every family.

Each function says what it guards against. Keep formulas here rather than ad hoc in a
distribution, so every family gets the same care.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.scipy.special import betaln, gammaln, log_ndtr, ndtr, ndtri, xlog1py, xlogy
from jaxtyping import Array, ArrayLike

__all__ = [
    "betaln",
    "gammaln",
    "log1mexp",
    "log_diff_exp",
    "log_ndtr",
    "ndtr",
    "ndtri",
    "xlog1py",
    "xlogy",
]


def log1mexp(x: ArrayLike) -> Array:
    r"""$\log(1 - e^{x})$ for $x \le 0$, accurate at both ends (Mächler 2012,
    "Accurately computing log(1 - exp(-|a|))"): `log(-expm1(x))` near 0,
    `log1p(-exp(x))` far from it."""
    x = jnp.asarray(x)
    return jnp.where(
        x > -0.6931471805599453, jnp.log(-jnp.expm1(x)), jnp.log1p(-jnp.exp(x))
    )


def log_diff_exp(a: ArrayLike, b: ArrayLike) -> Array:
    r"""$\log(e^{a} - e^{b})$ for $a \ge b$, without leaving log space
    ($-\infty$ where $a = b$)."""
    a = jnp.asarray(a)
    return a + log1mexp(jnp.minimum(b - a, 0.0))
