"""Vectorised exact samplers for binomial and Poisson counts.

A draw of `sample_shape` from parameters of `batch_shape` is laid out as lanes
`(S, B)` (`S = prod(sample_shape)`, `B = prod(batch_shape)`; flat when `B` is 1), so
parameters stay of size `B` and broadcast. Every lane's first proposal is drawn at
once from one key (no `while` loop over the whole array until its slowest lane
accepts, as in `jax.random.binomial` and `jax.random.poisson`). Lanes whose proposal
is rejected (about one in seven for BTRS, about one in ten million for inversion)
are gathered into a buffer of a quarter of the size and redrawn there until all
accept (`resolve_rejections`). Taking each lane's first accepted proposal keeps
rejection sampling exact however the lanes are grouped: the grouping depends only
on earlier acceptances, never on the new uniforms.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, PRNGKeyArray

# Below this many lanes, rejected lanes are redrawn by a loop over the whole buffer.
_SMALL = 256
# Inversion: CDF entries tabulated per parameter (32 covers a Poisson(10) to 1e-8);
# lanes beyond them continue the search in a loop, `_CHUNK` steps per iteration.
_TABLE = 32
_CHUNK = 8
# Mean below which inversion is used by default; BTRS needs np >= 10 (Hörmann).
_INVERSION_MEAN = 10.0


def _stirling_tail_table() -> np.ndarray:
    # f_c(k) = log k! - (k + 1/2) log(k + 1) + (k + 1) - log(2 pi) / 2, k = 0..9.
    return np.array(
        [
            math.lgamma(k + 1)
            - (k + 0.5) * math.log(k + 1)
            + k
            + 1
            - 0.5 * math.log(2 * math.pi)
            for k in range(10)
        ]
    )


_FC_TABLE = _stirling_tail_table()


def _stirling_tail(k: Array) -> Array:
    r"""$f_c(k) = \log k! - (k+\tfrac12)\log(k+1) + (k+1) - \tfrac12\log 2\pi$ for
    integers $k \ge 0$: a table below 10, the asymptotic series in $k+1$ (error
    below 1e-12) above."""
    x = jnp.maximum(k, 9.0) + 1
    x2 = x * x
    series = (1 / 12 - (1 / 360 - (1 / 1260 - 1 / 1680 / x2) / x2) / x2) / x
    index = jnp.clip(k, 0, 9).astype(jnp.int32)
    table = jnp.asarray(_FC_TABLE, dtype=k.dtype)[index]
    return jnp.where(k <= 9, table, series)


def lane_shape(size: int, width: int) -> tuple[int, ...]:
    """The shape `(size // width, width)` that lanes take so that `width` parameters
    broadcast over them; flat when `width` is 1 (a trailing axis of 1 makes XLA:CPU's
    prefix sums and scatters several times slower)."""
    return (size,) if width == 1 else (size // width, width)


def _rejected_lanes(accepted: Array, slots: int) -> Array:
    """The indices of the first `slots` lanes not accepted, in order, padded with
    `accepted.size` (one prefix sum and one scatter; `jnp.nonzero` adds a
    scatter-add and a second prefix sum)."""
    size = accepted.shape[0]
    rejected = ~accepted
    slot = jnp.where(rejected, jnp.cumsum(rejected, dtype=jnp.int32) - 1, slots)
    lanes = jnp.arange(size, dtype=jnp.int32)
    empty = jnp.full((slots,), size, jnp.int32)
    return empty.at[slot].set(lanes, mode="drop")


Proposal = Callable[[PRNGKeyArray, tuple[Array, ...], tuple[int, ...]], tuple]


def _redraw_loop(
    propose: Proposal,
    key: PRNGKeyArray,
    params: tuple[Array, ...],
    value: Array,
    accepted: Array,
) -> Array:
    """Fresh proposals for every lane of the (small) buffer until each lane has
    accepted one; returns the values."""
    width = params[0].shape[0]
    shape = lane_shape(accepted.shape[0], width)

    def pending(carry: tuple[Array, Array, Array]) -> Array:
        return jnp.any(~carry[1])

    def redraw(carry: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
        value, accepted, i = carry
        new_value, new_accepted = propose(jax.random.fold_in(key, i), params, shape)
        value = jnp.where(accepted, value, new_value.reshape(-1))
        return value, accepted | new_accepted.reshape(-1), i + 1

    value, _, _ = jax.lax.while_loop(
        pending, redraw, (value, accepted, jnp.zeros((), jnp.uint32))
    )
    return value


def resolve_rejections(
    propose: Proposal,
    key: PRNGKeyArray,
    params: tuple[Array, ...],
    value: Array,
    accepted: Array,
) -> Array:
    """Redraw the rejected lanes of a flat batch until every lane is accepted.

    `value` and `accepted` are flat (`L` lanes); `params` are flat arrays of `B`
    entries, `B` dividing `L`, lane `i` using entry `i % B`. `propose(key, params,
    shape)` returns fresh `(value, accepted)` of `shape` for parameters broadcastable
    to it. Below `_SMALL` lanes every lane is redrawn until all have accepted;
    otherwise the rejected lanes are gathered into a buffer of `L / 4` lanes
    (padding counts as accepted) that is redrawn until all accept, then scattered
    back (repeated, rarely, if more than `L / 4` were rejected). One level keeps
    the compiled code to two copies of the proposal. Returns the values.
    """
    size = accepted.shape[0]
    if size <= _SMALL:
        return _redraw_loop(propose, key, params, value, accepted)
    width = params[0].shape[0]
    slots = size // 4

    def pending(carry: tuple[Array, Array, Array]) -> Array:
        return jnp.any(~carry[1])

    def gather(carry: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
        value, accepted, i = carry
        index = _rejected_lanes(accepted, slots)
        sub_params = tuple(jnp.take(x, index % width, axis=0) for x in params)
        sub_value = _redraw_loop(
            propose,
            jax.random.fold_in(key, i),
            sub_params,
            jnp.zeros((slots,), value.dtype),
            index == size,
        )
        value = value.at[index].set(sub_value, mode="drop")
        accepted = accepted.at[index].set(True, mode="drop")
        return value, accepted, i + 1

    # Materialise the proposals first: otherwise XLA may fuse their computation into
    # the passes of the prefix sum.
    value, accepted = jax.lax.optimization_barrier((value, accepted))
    value, _, _ = jax.lax.while_loop(
        pending, gather, (value, accepted, jnp.zeros((), jnp.uint32))
    )
    return value


def _inversion(u: Array, log_f0: Array, c0: Array, c1: Array) -> tuple[Array, Array]:
    r"""Sequential search of the CDF from 0 for masses $f(0) = e^{\texttt{log\_f0}}$,
    $f(j) = f(j-1)\max(c_0 + c_1 j, 0)/j$ (binomial: $c_0 = (n+1)r$, $c_1 = -r$,
    $r = p/(1-p)$; Poisson: $c_0 = \lambda$, $c_1 = 0$): the count of $j$ with
    $F(j) \le u$.

    The first `_TABLE` CDF values are tabulated per parameter when that table is
    small next to the draw, and counted in one pass; lanes past them (or all lanes,
    without a table) continue the search in a loop over every lane, `_CHUNK` steps
    per iteration, until each has $u < F$ or the masses left are below the dtype's
    resolution. Lanes that end with $u \ge F$ (rounding, about one in $10^7$ in
    float32) are rejected, which samples the computed masses exactly. Needs a
    moderate mean ($f(0)$ not underflowing).
    """
    dtype = u.dtype
    tiny = jnp.finfo(dtype).eps
    f0 = jnp.exp(log_f0)
    table = log_f0.size * _TABLE <= 4 * u.size
    if table:
        j = jnp.arange(1, _TABLE, dtype=dtype)
        factors = jnp.maximum(c0[..., None] + c1[..., None] * j, 0) / j
        f = f0[..., None] * jnp.cumprod(factors, axis=-1)
        cdf_table = jnp.cumsum(jnp.concatenate([f0[..., None], f], axis=-1), axis=-1)
        k = jnp.sum(cdf_table <= u[..., None], axis=-1).astype(dtype)
        start = (jnp.asarray(_TABLE, dtype), f[..., -1], cdf_table[..., -1])
    else:
        k = (f0 <= u).astype(dtype)
        start = (jnp.ones((), dtype), f0, f0)

    def running(carry: tuple[Array, Array, Array, Array]) -> Array:
        _, f, cdf, _ = carry
        return jnp.any((cdf <= u) & (f > tiny * cdf))

    def steps(
        carry: tuple[Array, Array, Array, Array],
    ) -> tuple[Array, Array, Array, Array]:
        j, f, cdf, k = carry
        for _ in range(_CHUNK):
            f = f * jnp.maximum(c0 + c1 * j, 0) * (1 / j)
            cdf = cdf + f
            k = k + (cdf <= u)
            j = j + 1
        return j, f, cdf, k

    def search(k: Array) -> tuple[Array, Array]:
        j, f, cdf = start
        f, cdf = jnp.broadcast_to(f, u.shape), jnp.broadcast_to(cdf, u.shape)
        _, _, cdf, k = jax.lax.while_loop(running, steps, (j, f, cdf, k))
        return k, u < cdf

    if table:
        beyond = k >= _TABLE
        return jax.lax.cond(jnp.any(beyond), search, lambda k: (k, ~beyond), k)
    return search(k)


def _btrs(u: Array, v: Array, n: Array, p: Array) -> tuple[Array, Array]:
    r"""One BTRS proposal per lane (Hörmann 1993, "The generation of binomial random
    variates", J. Stat. Comput. Simul. 46), for $np \ge 10$, $p \le 1/2$.

    The acceptance test compares $\log v$ with $\log f(k) - \log f(m)$ ($m$ the mode)
    written as $(m+\tfrac12)\,\mathrm{log1p}(\tfrac{m-k}{k+1}) + (n-m+\tfrac12)\,
    \mathrm{log1p}(\tfrac{k-m}{n-k+1}) + (k-m)\log\tfrac{r(n-k+1)}{k+1}$ plus Stirling
    tails $f_c$, whose rounding error grows with $|k-m|$, not with $n$."""
    q = 1 - p
    spq = jnp.sqrt(n * p * q)
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    r = p / q
    m = jnp.floor((n + 1) * p)

    u = u - 0.5
    us = 0.5 - jnp.abs(u)
    k = jnp.floor((2 * a / us + b) * u + c)
    boxed = (us >= 0.07) & (v <= v_r)
    inside = (k >= 0) & (k <= n)
    ks = jnp.clip(k, 0, n)
    log_ratio = (
        (m + 0.5) * jnp.log1p((m - ks) / (ks + 1))
        + (n - m + 0.5) * jnp.log1p((ks - m) / (n - ks + 1))
        + (ks - m) * jnp.log(r * (n - ks + 1) / (ks + 1))
        + _stirling_tail(m)
        + _stirling_tail(n - m)
        - _stirling_tail(ks)
        - _stirling_tail(n - ks)
    )
    log_v = jnp.log(v * alpha / (a / (us * us) + b))
    return k, boxed | (inside & (log_v <= log_ratio))


def _propose_binomial(
    key: PRNGKeyArray,
    params: tuple[Array, Array],
    shape: tuple[int, ...],
    inversion_mean: float = _INVERSION_MEAN,
) -> tuple[Array, Array]:
    n, p = params
    key_u, key_v = jax.random.split(key)
    u = jax.random.uniform(key_u, shape, p.dtype)
    use_inversion = n * p < inversion_mean
    n_inv = jnp.where(use_inversion, n, 0.0)
    r = p / (1 - p)
    k_inv, ok_inv = _inversion(u, n_inv * jnp.log1p(-p), (n_inv + 1) * r, -r)

    def btrs(_: None) -> tuple[Array, Array]:
        v = jax.random.uniform(key_v, shape, p.dtype)
        n_b = jnp.where(use_inversion, 1e4, n)
        p_b = jnp.where(use_inversion, 0.5, p)
        k, ok = _btrs(u, v, n_b, p_b)
        return jnp.where(use_inversion, k_inv, k), jnp.where(use_inversion, ok_inv, ok)

    return jax.lax.cond(jnp.any(~use_inversion), btrs, lambda _: (k_inv, ok_inv), None)


@functools.partial(jax.jit, static_argnames=("shape", "inversion_mean"))
def sample_binomial(
    key: PRNGKeyArray,
    n: Array,
    p: Array,
    shape: tuple[int, ...],
    inversion_mean: float = _INVERSION_MEAN,
) -> Array:
    r"""Exact Binomial$(n, p)$ draws of `shape` (as floats of `p`'s dtype) for
    $0 < p \le 1/2$ and integral $n \ge 0$ given as floats, `n` and `p` of one shape
    that `shape` ends with: inversion for $np <$ `inversion_mean` (at least 10, the
    least mean BTRS is valid for; inversion's cost grows with the mean, BTRS's
    does not, but BTRS rejects and redraws), BTRS above, the rejected lanes
    redrawn by `resolve_rejections`."""
    if inversion_mean < _INVERSION_MEAN:
        raise ValueError(f"inversion_mean must be >= 10, got {inversion_mean}.")
    propose = functools.partial(_propose_binomial, inversion_mean=inversion_mean)
    if math.prod(shape) == 0:
        return jnp.zeros(shape, p.dtype)
    # NaN parameters would never accept a proposal: they draw -1 (outside the
    # support) instead of looping forever.
    invalid = jnp.isnan(p) | jnp.isnan(n)
    n = jnp.where(invalid, 0.0, n)
    p = jnp.where(invalid, 0.5, p)
    width = p.size
    params = (n.reshape(-1), p.reshape(-1))
    lanes = lane_shape(math.prod(shape), width)
    key_first, key_rest = jax.random.split(key)
    k, accepted = propose(key_first, params, lanes)
    k = resolve_rejections(
        propose, key_rest, params, k.reshape(-1), accepted.reshape(-1)
    )
    return jnp.where(invalid, -1.0, k.reshape(shape))


def _ptrs(u: Array, v: Array, lam: Array) -> tuple[Array, Array]:
    r"""One PTRS proposal per lane (Hörmann 1993, "The transformed rejection method
    for generating Poisson random variables", Insurance Math. Econom. 12), for
    $\lambda \ge 10$. The acceptance test uses $\log f(k) = (k+1-\lambda) -
    (k+\tfrac12)\,\mathrm{log1p}(\tfrac{k+1-\lambda}{\lambda}) - \tfrac12\log 2\pi\lambda
    - f_c(k)$, free of the cancellation of $k\log\lambda - \log k!$ at large
    rates."""
    b = 0.931 + 2.53 * jnp.sqrt(lam)
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)
    u = u - 0.5
    us = 0.5 - jnp.abs(u)
    k = jnp.floor((2 * a / us + b) * u + lam + 0.43)
    boxed = (us >= 0.07) & (v <= v_r)
    rejected = (k < 0) | ((us < 0.013) & (v > us))
    ks = jnp.maximum(k, 0)
    d = ks + 1 - lam
    log_f = (
        d
        - (ks + 0.5) * jnp.log1p(d / lam)
        - 0.5 * jnp.log(2 * math.pi * lam)
        - _stirling_tail(ks)
    )
    log_v = jnp.log(v * inv_alpha / (a / (us * us) + b))
    return k, boxed | (~rejected & (log_v <= log_f))


def _propose_poisson(
    key: PRNGKeyArray, params: tuple[Array], shape: tuple[int, ...]
) -> tuple[Array, Array]:
    (lam,) = params
    key_u, key_v = jax.random.split(key)
    u = jax.random.uniform(key_u, shape, lam.dtype)
    use_inversion = lam < _INVERSION_MEAN
    lam_inv = jnp.where(use_inversion, lam, 0.0)
    zero = jnp.zeros_like(lam)
    k_inv, ok_inv = _inversion(u, -lam_inv, lam_inv, zero)

    def ptrs(_: None) -> tuple[Array, Array]:
        v = jax.random.uniform(key_v, shape, lam.dtype)
        k, ok = _ptrs(u, v, jnp.where(use_inversion, 100.0, lam))
        return jnp.where(use_inversion, k_inv, k), jnp.where(use_inversion, ok_inv, ok)

    return jax.lax.cond(jnp.any(~use_inversion), ptrs, lambda _: (k_inv, ok_inv), None)


@functools.partial(jax.jit, static_argnames=("shape",))
def sample_poisson(key: PRNGKeyArray, rate: Array, shape: tuple[int, ...]) -> Array:
    r"""Exact Poisson$(\lambda)$ draws of `shape` (as floats of `rate`'s dtype) for
    `rate` $\ge 0$ of a shape that `shape` ends with: inversion (tabulated CDF) below
    10, PTRS above, the rejected lanes redrawn by `resolve_rejections`. Rates that
    are NaN or infinite draw -1 (outside the support)."""
    if math.prod(shape) == 0:
        return jnp.zeros(shape, rate.dtype)
    invalid = ~jnp.isfinite(rate)
    rate = jnp.where(invalid, 0.0, rate)
    width = rate.size
    params = (rate.reshape(-1),)
    key_first, key_rest = jax.random.split(key)
    k, accepted = _propose_poisson(
        key_first, params, lane_shape(math.prod(shape), width)
    )
    k = resolve_rejections(
        _propose_poisson, key_rest, params, k.reshape(-1), accepted.reshape(-1)
    )
    return jnp.where(invalid, -1.0, k.reshape(shape))
