"""Helpers shared by the discrete families: argument checks, count handling and the
binomial draw that Binomial and Multinomial both use."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, PRNGKeyArray

from .._validation import is_traced
from ._binomial_sampler import sample_binomial


def int_dtype() -> jnp.dtype:
    """The default integer dtype (int64 under `jax_enable_x64`, int32 otherwise): the
    dtype of every integer sample and of `total_count`."""
    return jnp.dtype(jax.dtypes.canonicalize_dtype(jnp.int64))


def one_of(owner: str, probs: object, logits: object) -> str:
    """Which of `probs`/`logits` was given; `ValueError` unless exactly one was."""
    if (probs is None) == (logits is None):
        given = "both" if probs is not None else "neither"
        raise ValueError(
            f"{owner}: pass exactly one of `probs` or `logits`, got {given}."
        )
    return "probs" if probs is not None else "logits"


def as_count(owner: str, total_count: ArrayLike) -> ArrayLike:
    """`total_count` checked to hold whole numbers where it is concrete (a float such as
    `2.5` would otherwise be truncated silently when cast to the integer dtype)."""
    if is_traced(total_count):
        return total_count
    array = np.asarray(total_count)
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(
            f"{owner}: `total_count` must be an integer array, got dtype {array.dtype}."
        )
    if np.issubdtype(array.dtype, np.floating) and not np.all(
        np.isfinite(array) & (np.floor(array) == array)
    ):
        raise ValueError(
            f"{owner}: `total_count` must hold whole numbers, got {array!r}."
        )
    return total_count


def binomial_draw(
    key: PRNGKeyArray,
    count: ArrayLike,
    small_prob: ArrayLike,
    flip: ArrayLike,
    shape: tuple[int, ...],
    inversion_mean: float = 10.0,
) -> Array:
    """Binomial draws of shape `shape`, as integers.

    `small_prob` is the smaller of the success and failure probabilities (so at most
    1/2, computed accurately by the caller, e.g. `sigmoid(-|logits|)`) and `flip` says
    where it is the failure probability; there the draw is `count - draw`. A zero
    `small_prob` gives a constant draw without calling the sampler, whose geometric
    inversion would never stop at zero probability.

    The draw is `sample_binomial` (inversion for `count * p < inversion_mean`
    (at least 10), otherwise the
    BTRS transformed rejection of Hörmann (1993), "The generation of binomial random
    variates", J. Stat. Comput. Simul. 46, vectorised with one batch of proposals
    and a compacted redraw of the rejected lanes). The tests check it by chi-square
    at small and large counts.
    """
    # Parameters keep their (trailing) batch shape: the sampler broadcasts them.
    ndim = len(jnp.broadcast_shapes(jnp.shape(count), jnp.shape(small_prob)))
    batch = shape[len(shape) - ndim :]
    count = jnp.broadcast_to(count, batch)
    small_prob = jnp.broadcast_to(small_prob, batch)
    degenerate = small_prob <= 0
    dtype = jnp.result_type(small_prob.dtype, float)
    p = jnp.where(degenerate, 0.5, small_prob).astype(dtype)
    n = jnp.where(degenerate, 0, count).astype(dtype)
    draw = sample_binomial(key, n, p, shape, inversion_mean).astype(int_dtype())
    return jnp.where(flip, count.astype(int_dtype()) - draw, draw)
