"""LKJCholesky: samplers, normalisation, and agreement with NumPyro."""

import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions as npd
import pytest
from scipy import special, stats

import eqdist
from tests.helpers import finite_difference_grad

METHODS = ("onion", "cvine")
ETAS = jnp.array([0.5, 1.0, 3.0])

# Every eager op compiles once per shape, and the gamma sampler inside the samplers
# takes seconds to compile: the tests work under a few shared `jit`s and reuse
# sample shapes, and keep eager calls to the tests about eager behaviour.
N = 2000
_log_prob = jax.jit(lambda dist, x: dist.log_prob(x))
_draw = jax.jit(lambda dist, key: dist.sample(key, (N,)))
_in_support = jax.jit(lambda x: jnp.all(eqdist.constraints.corr_cholesky(x)))


def _correlations(tril):
    tril = np.asarray(tril)
    return tril @ np.swapaxes(tril, -1, -2)


def _random_corr_cholesky(rng, d, batch=()):
    """Cholesky factors of random correlation matrices, without the samplers."""
    a = rng.normal(size=batch + (d, d + 2))
    cov = a @ np.swapaxes(a, -1, -2)
    sd = np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1))
    return jnp.asarray(np.linalg.cholesky(cov / (sd[..., :, None] * sd[..., None, :])))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("d", (3, 5))
def test_samples(method, d):
    dist = eqdist.LKJCholesky(d, ETAS, method)  # the three etas are one batch
    x = _draw(dist, jax.random.key(d))
    assert x.shape == (N, 3, d, d)
    assert _in_support(x)
    x = np.asarray(x)
    corr = _correlations(x)
    log_det = 2 * np.sum(np.log(np.diagonal(x, axis1=-2, axis2=-1)), axis=-1)
    for b, eta in enumerate(np.asarray(ETAS)):
        # Every off-diagonal r of C = L L^T has (r + 1) / 2 ~ Beta(a, a),
        # a = eta - 1 + d / 2. Checked at both ends of both samplers.
        a = eta - 1 + d / 2
        for i, j in ((1, 0), (d - 1, d - 2), (d - 1, 0)):
            r = corr[:, b, i, j]
            p = stats.kstest((r + 1) / 2, stats.beta(a, a).cdf).pvalue
            assert p > 1e-3, (method, d, eta, (i, j), p)
        # A joint check: log det C is a sum of independent log Beta(beta_m, m / 2)
        # (the onion construction), so its mean is known exactly.
        m = np.arange(1, d)
        beta = eta + (d - 1 - m) / 2
        mean = np.sum(special.digamma(beta) - special.digamma(beta + m / 2))
        se = log_det[:, b].std() / np.sqrt(N)
        assert abs(log_det[:, b].mean() - mean) < 4 * se, (method, d, eta)


@pytest.mark.parametrize("eta", (0.5, 1.0, 3.0))
def test_normalised_in_two_dimensions(eta):
    # d = 2: L = [[1, 0], [r, sqrt(1 - r^2)]] and the free coordinate L_10 is r, so
    # exp(log_prob) is the density of r: (1 - r^2)^(eta - 1) / (2^(2 eta - 1) B).
    dist = eqdist.LKJCholesky(2, eta)
    theta = np.linspace(-np.pi / 2, np.pi / 2, 4001)[1:-1]
    r = np.sin(theta)
    tril = np.zeros(r.shape + (2, 2))
    tril[:, 0, 0] = 1
    tril[:, 1, 0] = r
    tril[:, 1, 1] = np.cos(theta)
    lp = np.asarray(_log_prob(dist, jnp.asarray(tril)))
    expected = (eta - 1) * np.log1p(-(r**2)) - (
        (2 * eta - 1) * np.log(2) + special.betaln(eta, eta)
    )
    np.testing.assert_allclose(lp, expected, rtol=1e-10, atol=1e-12)
    # Integrate over r = sin(theta), dr = cos(theta) d(theta): a smooth integrand
    # even where the density is unbounded (eta < 1). Endpoints contribute 0 or a
    # finite value the trapezoid rule weights by half; here they are dropped, and
    # for eta = 0.5 the integrand is constant, so add their share back.
    integrand = np.exp(lp) * np.cos(theta)
    h = theta[1] - theta[0]
    total = np.sum(integrand) * h
    if eta == 0.5:
        total += integrand[0] * h
    np.testing.assert_allclose(total, 1.0, rtol=1e-6)


def test_normalised_in_three_dimensions():
    # With eta = 1 the law of C is uniform; E_{eta=1}[p_eta(L) / p_1(L)] = 1.
    # (Same draw shapes as `test_samples`: the batch member eta = 1 is used.)
    x = _draw(eqdist.LKJCholesky(3, ETAS, "cvine"), jax.random.key(7))[:, 1]
    uniform = eqdist.LKJCholesky(3, 1.0)
    target = eqdist.LKJCholesky(3, 2.5)
    w = np.exp(np.asarray(_log_prob(target, x) - _log_prob(uniform, x)))
    assert abs(w.mean() - 1) < 4 * w.std() / np.sqrt(N)


@pytest.mark.parametrize("d", (2, 3, 5, 8))
def test_against_numpyro(d):
    etas = jnp.array([0.3, 1.0, 2.5, 10.0])
    dist = eqdist.LKJCholesky(d, etas)
    x = _random_corr_cholesky(np.random.default_rng(d), d, (6, 1))
    lp = _log_prob(dist, x)
    assert lp.shape == (6, 4)
    expected = jax.jit(lambda e, x: npd.LKJCholesky(d, e).log_prob(x))(etas, x)
    np.testing.assert_allclose(lp, expected, rtol=1e-10)


def test_shapes():
    # Shapes only (traced, not compiled); support membership is in `test_samples`.
    key = jax.random.key(0)
    for concentration, batch in (
        (2.0, ()),
        (jnp.ones(3), (3,)),
        (jnp.ones((2, 3)), (2, 3)),
    ):
        for method in METHODS:
            dist = eqdist.LKJCholesky(4, concentration, method)
            assert dist.batch_shape == batch and dist.event_shape == (4, 4)
            x = jax.eval_shape(lambda d: d.sample(key, (5,)), dist)
            assert x.shape == (5,) + batch + (4, 4)
            lp = jax.eval_shape(lambda d, x: d.log_prob(x), dist, x)
            assert lp.shape == (5,) + batch
            lp = jax.eval_shape(lambda d: d.log_prob(jnp.eye(4)), dist)
            assert lp.shape == batch
    assert eqdist.LKJCholesky(3).concentration.shape == ()


def test_float32():
    eta = jnp.array([0.1, 1.0, 50.0], dtype=jnp.float32)
    key = jax.random.key(3)
    draw = jax.jit(lambda d: d.sample(key, (200,)))
    for method in METHODS:
        dist = eqdist.LKJCholesky(5, eta, method)
        x = draw(dist)
        assert x.dtype == jnp.float32
        assert _in_support(x)
        lp32 = _log_prob(dist, x)
        assert lp32.dtype == jnp.float32
        # In float64 the rows need renormalising to lie in the support.
        x64 = np.asarray(x, dtype=np.float64)
        x64 /= np.linalg.norm(x64, axis=-1, keepdims=True)
        lp64 = _log_prob(eqdist.LKJCholesky(5, eta.astype(jnp.float64)), x64)
        np.testing.assert_allclose(lp32, lp64, rtol=1e-4, atol=1e-3)


def test_outside_support():
    dist = eqdist.LKJCholesky(3, 2.0)
    bad = jnp.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.6, 0.8]])  # row norm
    upper = jnp.array([[1.0, 0.0, 0.0], [0.6, 0.0, 0.8], [0.0, 0.6, 0.8]])
    grad = jax.jit(jax.grad(lambda c, v: eqdist.LKJCholesky(3, c).log_prob(v)))
    for value in (bad, upper):
        assert _log_prob(dist, value) == -jnp.inf
        assert grad(2.0, value) == 0
    with pytest.raises(ValueError, match=r"LKJCholesky.log_prob: `value` is outside"):
        eqdist.LKJCholesky(3, 2.0, validate_args=True).log_prob(bad)


def test_grad_concentration():
    x = _random_corr_cholesky(np.random.default_rng(1), 4, (3,))

    def f(eta):
        return jnp.sum(eqdist.LKJCholesky(4, eta).log_prob(x))

    f = jax.jit(f)
    for eta in (0.5, 2.0):
        g = jax.grad(f)(jnp.asarray(eta))
        assert np.isfinite(g)
        np.testing.assert_allclose(
            g, finite_difference_grad(f, jnp.asarray(eta)), rtol=1e-7
        )


def test_jit_vmap():
    etas = jnp.array([0.5, 2.0, 4.0])
    x = _random_corr_cholesky(np.random.default_rng(2), 3, (3,))
    batched = eqdist.LKJCholesky(3, etas)
    eager = batched.log_prob(x)
    np.testing.assert_allclose(_log_prob(batched, x), eager, rtol=1e-12)
    dists = jax.jit(jax.vmap(lambda c: eqdist.LKJCholesky(3, c, "cvine")))(etas)
    assert dists.batch_shape == (3,) and dists.dimension == 3
    assert dists.sample_method == "cvine"
    lp = jax.jit(jax.vmap(lambda d, v: d.log_prob(v)))(dists, x)
    np.testing.assert_allclose(lp, eager, rtol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="`dimension` must be >= 2, got 1"):
        eqdist.LKJCholesky(1)
    with pytest.raises(ValueError, match="`dimension` must be >= 2"):
        eqdist.LKJCholesky(0)
    with pytest.raises(TypeError, match="dimension"):
        eqdist.LKJCholesky(3.0)
    with pytest.raises(ValueError, match="`sample_method` must be 'onion' or 'cvine'"):
        eqdist.LKJCholesky(3, sample_method="vine")
    with pytest.raises(ValueError, match="`concentration` must satisfy GreaterThan"):
        eqdist.LKJCholesky(3, -1.0, validate_args=True)
    with pytest.raises(ValueError, match="does not end in the event shape"):
        eqdist.LKJCholesky(3).log_prob(jnp.eye(2))
