"""The vectorised log-gamma sampler (eqdist/continuous/_gamma_sampler.py): goodness of
fit from tiny to huge concentrations in float32 and float64, the fallback loop over
rejected lanes, and the implicit reparameterization gradient.

Every draw here has 12000 lanes (the sampler compiles once per size and dtype), so
the raw sampler and the families through it share two compilations.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import eqdist as ed
from eqdist.continuous._gamma_sampler import (
    _flagged_indices,
    _log_standard_gamma_flat,
    log_standard_gamma_flat,
)

N = 2000
# Below 1 (the boost in log space), the worst acceptance rate (1), typical, huge.
ALPHAS = np.array([1e-3, 0.1, 0.7, 1.0, 2.5, 1e4])


def _ks_log_gamma(log_g: np.ndarray) -> None:
    """Each column of `log_g` (N, len(ALPHAS)) against log Gamma(alpha)."""
    for i, alpha in enumerate(ALPHAS):
        pvalue = st.kstest(log_g[:, i], st.loggamma(alpha).cdf).pvalue
        assert pvalue > 1e-3, (alpha, pvalue)


def _concentrations(dtype) -> jax.Array:
    return jnp.asarray(np.tile(ALPHAS, N), dtype)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_log_gamma_fits_scipy(dtype):
    log_g = log_standard_gamma_flat(jax.random.key(0), _concentrations(dtype))
    assert log_g.dtype == dtype
    log_g = np.asarray(log_g, np.float64).reshape(N, -1)
    assert np.all(np.isfinite(log_g))
    _ks_log_gamma(log_g)
    # Log space keeps Gamma(1e-3) draws apart where exp(log G) underflows.
    assert np.mean(log_g[:, 0] < -200) > 0.5
    assert np.unique(log_g[:, 0]).size == N


def test_repeated_passes_when_rejections_overflow_the_buffer():
    """With a buffer of 5 lanes the fallback needs dozens of passes (about 3% of
    12000 lanes are rejected): the law and the determinism are unchanged."""
    conc = _concentrations(jnp.float64)
    key = jax.random.key(1)
    log_g = np.asarray(_log_standard_gamma_flat(key, conc, buffer_size=5))
    _ks_log_gamma(log_g.reshape(N, -1))
    again = np.asarray(_log_standard_gamma_flat(key, conc, buffer_size=5))
    assert log_g.tobytes() == again.tobytes()
    # The default buffer gives other (equally distributed) numbers.
    assert not np.array_equal(log_g, np.asarray(_log_standard_gamma_flat(key, conc)))


def test_same_key_same_draws_and_keys_differ():
    conc = _concentrations(jnp.float64)
    a = np.asarray(log_standard_gamma_flat(jax.random.key(2), conc))
    b = np.asarray(log_standard_gamma_flat(jax.random.key(2), conc))
    c = np.asarray(log_standard_gamma_flat(jax.random.key(3), conc))
    assert a.tobytes() == b.tobytes()
    assert np.mean(a == c) < 1e-3


def test_invalid_concentrations_do_not_hang():
    conc = _concentrations(jnp.float64).at[:4].set([jnp.nan, -1.0, 0.0, jnp.inf])
    log_g = np.asarray(log_standard_gamma_flat(jax.random.key(0), conc))
    assert np.all(np.isnan(log_g[:3]))
    assert log_g[3] == np.inf and np.all(np.isfinite(log_g[4:]))


def test_flagged_indices_match_nonzero():
    # Padding of the last word, more flags than slots, fewer, none.
    flagged = jax.jit(_flagged_indices, static_argnums=1)
    rng = np.random.default_rng(0)
    for n, size, p in [(100, 10, 0.3), (100, 100, 0.9), (100, 100, 0.0)]:
        flags = jnp.asarray(rng.uniform(size=n) < p)
        expected = np.flatnonzero(np.asarray(flags))[:size]
        expected = np.pad(expected, (0, size - expected.size), constant_values=n)
        np.testing.assert_array_equal(flagged(flags, size), expected)


def test_implicit_gradient_matches_formula():
    """d log G / d alpha equals -(dP(alpha, x)/d alpha) / (p(x) x) (Figurnov et al.
    2018), with dP/d alpha from central differences of SciPy's cdf, wherever SciPy
    can represent x (about half the Gamma(1e-3) draws underflow below 1e-300:
    those take the small-x branch)."""
    conc = _concentrations(jnp.float64)

    def total(c):
        return jnp.sum(log_standard_gamma_flat(jax.random.key(0), c))

    grads = np.asarray(jax.grad(total)(conc)).reshape(N, -1)
    log_g = np.asarray(log_standard_gamma_flat(jax.random.key(0), conc)).reshape(N, -1)
    assert np.all(np.isfinite(grads))
    for i, alpha in enumerate(ALPHAS):
        x = np.exp(log_g[:, i])
        keep = x > 1e-300
        assert keep.sum() > N // 3
        x, g = x[keep], grads[keep, i]
        h = 1e-6 * alpha
        dcdf = (st.gamma(alpha + h).cdf(x) - st.gamma(alpha - h).cdf(x)) / (2 * h)
        expected = -dcdf / (st.gamma(alpha).pdf(x) * x)
        np.testing.assert_allclose(g, expected, rtol=2e-5, atol=1e-10)
    # Where x underflows: d log x / d alpha = (psi(alpha + 1) - log x) / alpha.
    tiny = log_g[:, 0] < -700
    assert tiny.sum() > N // 4
    expected = (sp.digamma(1 + ALPHAS[0]) - log_g[tiny, 0]) / ALPHAS[0]
    np.testing.assert_allclose(grads[tiny, 0], expected, rtol=1e-10)


def test_families_fit_scipy_in_float32():
    """Gamma (tiny and huge concentrations), Beta and Dirichlet through the shared
    sampler, float32 end to end."""
    f32 = jnp.float32
    key = jax.random.key(4)
    conc = jnp.asarray([0.1, 1e4, 0.5, 3.0, 1e-3, 1.0], f32)
    gamma = ed.Gamma(conc, jnp.asarray(2.0, f32)).sample(key, (N,))
    assert gamma.dtype == f32
    for i, alpha in enumerate(np.asarray(conc, np.float64)[:4]):
        x = np.asarray(gamma[:, i], np.float64)
        assert st.kstest(x, st.gamma(alpha, scale=0.5).cdf).pvalue > 1e-3, alpha
    beta = ed.Beta(jnp.asarray([2.0, 0.1, 5.0], f32), jnp.asarray(3.0, f32))
    xs = np.asarray(beta.sample(key, (N,)), np.float64)
    for i, a in enumerate([2.0, 0.1, 5.0]):
        assert st.kstest(xs[:, i], st.beta(a, 3.0).cdf).pvalue > 1e-3, a
    dirichlet = ed.Dirichlet(jnp.ones(10, f32))
    xs = np.asarray(dirichlet.sample(key, (N * 6 // 10,)), np.float64)
    np.testing.assert_allclose(xs.sum(-1), 1, rtol=1e-5)
    for i in (0, 9):
        assert st.kstest(xs[:, i], st.beta(1.0, 9.0).cdf).pvalue > 1e-3
