r"""A vectorised sampler of log-gamma variates with implicit reparameterization
gradients.

Marsaglia & Tsang (2000), "A simple method for generating gamma variables": for
$a \ge 1$, with $d = a - 1/3$, $c = 1/\sqrt{9d}$, a standard normal $z$ and
$v = (1 + cz)^3$, the proposal $dv$ is accepted when $v > 0$ and
$\log u < z^2/2 + d(1 - v + \log v)$, $u \sim U(0, 1]$; then $dv \sim \mathrm{Gamma}(a)$.
The acceptance rate is at least 95% (at $a = 1$), rising to 1 as $a$ grows.

`jax.random.gamma` runs this as one `while_loop` per element (vmapped, so every
iteration touches the whole array and splits a key per element). Here one proposal
per element is drawn in bulk, and only the few rejected lanes (about 2-5%) are
gathered into a small buffer and resampled in a loop, then scattered back.

For $a < 1$, $G_a = G_{a+1} U^{1/a}$ (Marsaglia & Tsang, section 6), applied in log
space, $\log G_a = \log G_{a+1} + \log(U)/a$, so tiny concentrations never underflow.

The gradient with respect to the concentration is the implicit reparameterization
gradient of Figurnov, Mohamed & Mnih (2018), "Implicit reparameterization
gradients": $\partial x/\partial a = -(\partial P(a, x)/\partial a)/p(x)$
(`jax.lax.random_gamma_grad`), divided by $x$ for $\log x$. Where $x$ is below the
dtype's epsilon, $P(a, x) = x^a/\Gamma(a+1)\,(1 + O(x))$ gives it in log space,
$\partial\log x/\partial a = (\psi(a+1) - \log x)/a$, which stays finite where $x$
itself underflows.
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
from jax.scipy.special import digamma
from jaxtyping import Array, PRNGKeyArray

_UINT = {16: jnp.uint16, 32: jnp.uint32, 64: jnp.uint64}


def _uniforms(key: PRNGKeyArray, shape: tuple[int, ...], dtype) -> Array:
    """Uniforms on `[0, 1)` as `jax.random.uniform` makes them (random mantissa
    bits under a fixed exponent), all of them from one call of the bit generator
    (each call is one more copy of the generator to compile)."""
    finfo = jnp.finfo(dtype)
    uint = _UINT[finfo.bits]
    bits = jax.random.bits(key, shape, uint)
    one = jax.lax.bitcast_convert_type(jnp.ones((), dtype), uint)
    mantissa = jax.lax.shift_right_logical(bits, uint(finfo.bits - finfo.nmant))
    return jax.lax.bitcast_convert_type(mantissa | one, dtype) - 1


def _proposal(key: PRNGKeyArray, d: Array, c: Array) -> tuple[Array, Array]:
    r"""One Marsaglia-Tsang proposal per lane: $\log v$ (of $(1+cz)^3$) and whether
    it is accepted."""
    dtype = d.dtype
    u = _uniforms(key, (2,) + d.shape, dtype)
    # z = sqrt(2) erfinv(w), w uniform on (-1, 1), as `jax.random.normal` does.
    w = jnp.maximum(2 * u[0] - 1, jnp.nextafter(jnp.asarray(-1, dtype), 0))
    z = math.sqrt(2) * jax.scipy.special.erfinv(w)
    # 1 - U[0, 1) lies in (0, 1], so its log is finite.
    log_u = jnp.log1p(-u[1])
    t = c * z
    positive = t > -1
    log1p_t = jnp.log1p(jnp.where(positive, t, 0))
    # d (1 - v + log v) with v = (1 + t)^3, expanded so that nothing cancels at
    # large d (where t is small): 1 - v + 3 log1p(t) = 3 (log1p(t) - t) - t^2 (3 + t).
    log_ratio = 0.5 * z * z + d * (3 * (log1p_t - t) - t * t * (3 + t))
    return 3 * log1p_t, positive & (log_u < log_ratio)


_BLOCK = 32


def _flagged_indices(flags: Array, size: int) -> Array:
    """The indices of the first `size` true entries of the flat boolean `flags`, in
    order, padded with `len(flags)`: `jnp.nonzero(flags, size=size, fill_value=n)`
    without a prefix sum over the whole array (slow on CPU).

    The flags are packed into 32-bit words; a prefix sum over the word counts
    finds the word of each wanted entry (`searchsorted`), and a binary search with
    `population_count` its bit. Only the packing touches every element.
    """
    n = flags.shape[0]
    padded = jnp.pad(flags, (0, -n % _BLOCK)).reshape(-1, _BLOCK)
    shifts = jnp.arange(_BLOCK, dtype=jnp.uint32)
    words = jnp.sum(padded.astype(jnp.uint32) << shifts, axis=1, dtype=jnp.uint32)
    counts = jax.lax.population_count(words).astype(jnp.int32)
    ends = jnp.cumsum(counts)
    wanted = jnp.arange(size, dtype=jnp.int32)
    found = wanted < ends[-1]
    block = jnp.minimum(jnp.searchsorted(ends, wanted, side="right"), len(ends) - 1)
    rank = wanted - (ends[block] - counts[block]).astype(jnp.int32)
    word = words[block]
    # The bit of rank `rank`: the largest p with popcount(word & (2^p - 1)) <= rank.
    position = jnp.zeros(size, jnp.uint32)
    for step in (16, 8, 4, 2, 1):
        trial = position + step
        below = jax.lax.population_count(word & ((jnp.uint32(1) << trial) - 1))
        position = jnp.where(below.astype(jnp.int32) <= rank, trial, position)
    index = block.astype(jnp.int32) * _BLOCK + position.astype(jnp.int32)
    return jnp.where(found, index, n)


def _buffer_size(n: int) -> int:
    """Lanes resampled per pass of the fallback: room for about 3x the expected
    number of rejections at the worst acceptance rate (95%)."""
    return min(n, 256 + n // 16)


@partial(jax.jit, static_argnames="buffer_size")
def _log_standard_gamma_flat(
    key: PRNGKeyArray, concentration: Array, buffer_size: int | None = None
) -> Array:
    """Log-gamma draws for a flat `concentration` (no gradient). `buffer_size`
    (static) overrides `_buffer_size` (tests use a tiny one to exercise the
    repeated passes)."""
    n = concentration.shape[0]
    dtype = concentration.dtype
    if n == 0:
        return jnp.zeros((0,), dtype)
    bulk_key, boost_key, loop_key = jax.random.split(key, 3)
    # NaN, non-positive or infinite concentrations would never be accepted: they
    # skip the loop (and give NaN, or +inf for an infinite one).
    valid = (concentration > 0) & (concentration < jnp.inf)
    boost = concentration < 1
    a = jnp.where(boost, concentration + 1, concentration)
    d = jnp.where(concentration > 0, a - 1 / 3, jnp.nan)
    c = jax.lax.rsqrt(9 * jnp.where(valid, d, 1))

    log_v, accepted = _proposal(bulk_key, d, c)
    log_v = jnp.where(valid, log_v, 0)
    accepted = accepted | ~valid
    m = _buffer_size(n) if buffer_size is None else min(n, buffer_size)

    def pending(state):
        return ~jnp.all(state[-1])

    def resample(state):
        # Gather up to m rejected lanes, resample them until all are accepted,
        # scatter them back; repeats only if more than m lanes were rejected.
        count, log_v, accepted = state
        index = _flagged_indices(~accepted, m)
        inside = index < n
        safe = jnp.where(inside, index, 0)
        d_m, c_m = d[safe], c[safe]

        def resample_buffer(buffer_state):
            count, value, done = buffer_state
            new_value, ok = _proposal(jax.random.fold_in(loop_key, count), d_m, c_m)
            return count + 1, jnp.where(done, value, new_value), done | ok

        count, value, _ = jax.lax.while_loop(
            pending, resample_buffer, (count, jnp.zeros(m, dtype), ~inside)
        )
        log_v = log_v.at[index].set(value, mode="drop")
        accepted = accepted.at[index].set(True, mode="drop")
        return count, log_v, accepted

    _, log_v, _ = jax.lax.while_loop(pending, resample, (0, log_v, accepted))
    log_g = jnp.log(d) + log_v

    def boosted(log_g):
        log_u = jnp.log1p(-_uniforms(boost_key, (n,), dtype))
        safe = jnp.where(boost & valid, concentration, 1)
        return log_g + jnp.where(boost & valid, log_u / safe, 0)

    # The boost's uniforms are drawn only when some concentration needs them.
    return jax.lax.cond(jnp.any(boost), boosted, lambda log_g: log_g, log_g)


def _dlog_gamma(concentration: Array, log_g: Array) -> Array:
    r"""$\partial \log G / \partial a$ at fixed $P(a, G)$ (implicit
    reparameterization)."""
    finfo = jnp.finfo(log_g.dtype)
    small = log_g < math.log(float(finfo.eps))
    g = jnp.exp(jnp.where(small, 0, log_g))
    general = jax.lax.random_gamma_grad(concentration, g) / g
    series = (digamma(concentration + 1) - log_g) / concentration
    return jnp.where(small, series, general)


@jax.custom_jvp
def _with_implicit_gradient(concentration: Array, log_g: Array) -> Array:
    """`log_g` (drawn from `concentration`), differentiable in `concentration`."""
    return log_g


@_with_implicit_gradient.defjvp
def _with_implicit_gradient_jvp(primals, tangents):
    concentration, log_g = primals
    concentration_dot, _ = tangents
    return log_g, _dlog_gamma(concentration, log_g) * concentration_dot


def log_standard_gamma_flat(key: PRNGKeyArray, concentration: Array) -> Array:
    """Logs of `Gamma(concentration, 1)` draws, one per element of the flat array
    `concentration`, differentiable in `concentration`."""
    log_g = _log_standard_gamma_flat(key, jax.lax.stop_gradient(concentration))
    return _with_implicit_gradient(concentration, log_g)
