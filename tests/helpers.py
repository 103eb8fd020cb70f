"""Shared test utilities."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def tree_allclose(a, b, rtol=1e-10, atol=1e-12) -> bool:
    """Whether two PyTrees have the same structure and close array leaves."""
    la, ta = jax.tree.flatten(a)
    lb, tb = jax.tree.flatten(b)
    if ta != tb:
        return False
    return all(
        np.allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol, equal_nan=True)
        for x, y in zip(la, lb)
    )


def finite_difference_grad(f, x, eps=1e-6):
    """Central finite-difference gradient of a scalar function of one array."""
    x = jnp.asarray(x, dtype=jnp.float64)
    flat = x.reshape(-1)
    grads = []
    for i in range(flat.size):
        step = jnp.zeros_like(flat).at[i].set(eps)
        up = f((flat + step).reshape(x.shape))
        down = f((flat - step).reshape(x.shape))
        grads.append((up - down) / (2 * eps))
    return jnp.stack(grads).reshape(x.shape)
