"""TruncatedNormal sampling: `ndtri` in the bulk, the log-space inverse only for
draws whose tail probability is not a normal float (eqdist/continuous/_truncated.py,
`_normal_sample_quantile`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import scipy.special as sp
import scipy.stats as st

import eqdist
from eqdist.continuous._truncated import _normal_icdf, _normal_sample_quantile


def test_sample_quantile_equals_log_space_quantile():
    """The same quantile as the log-space `_normal_icdf` (which `icdf` uses), one-
    and two-sided, in the bulk, the tails and beyond float64's fast range."""
    q = jnp.concatenate([jnp.linspace(0, 1, 501)[:-1], jnp.array([1e-300, 1e-17])])
    fast, reference = jax.jit(_normal_sample_quantile), jax.jit(_normal_icdf)
    for a, b in [(-1.0, None), (5.0, None), (36.0, None), (-3.0, 2.0), (-40.0, -39.0)]:
        a = jnp.float64(a)
        b = None if b is None else jnp.float64(b)
        np.testing.assert_allclose(
            fast(q, a, b),
            reference(q, a, b),
            rtol=1e-13,
            atol=1e-13,
        )


def test_float32_draws_fit_across_the_fast_range_limit():
    """Bounds 5 and 11.5 (partly beyond float32's fast range: both branches per
    draw) and 13 (all draws in log space), one batch, float32."""
    low = jnp.asarray([-1.0, 5.0, 11.5, 13.0], jnp.float32)
    dist = eqdist.TruncatedNormal(low)
    x = dist.sample(jax.random.key(0), (2000,))
    assert x.dtype == jnp.float32
    assert bool(jnp.all(x >= low))
    assert bool(jnp.all(jnp.isfinite(dist.log_prob(x))))
    for i, a in enumerate(np.asarray(low, np.float64)):
        xs = np.asarray(x[:, i], np.float64)
        assert st.kstest(xs, st.truncnorm(a, np.inf).cdf).pvalue > 1e-3, a


def test_pathwise_gradient_in_the_fast_branch():
    """d x / d theta keeps F(x(theta); theta) fixed (the implicit reparameterization
    identity) where `ndtri` is used, with its exact derivative."""
    key = jax.random.key(1)

    def cdf_of_draws(params):
        d = eqdist.TruncatedNormal(**params)
        return jnp.sum(d.cdf(d.sample(key, (50,))))

    # One-sided (the two-sided fast branch: tests/continuous/test_truncated.py at
    # bounds (-10, -9)).
    params = {"low": 5.0, "loc": 0.5, "scale": 1.3}
    grads = jax.jit(jax.grad(cdf_of_draws))(
        {k: jnp.float64(v) for k, v in params.items()}
    )
    for name, g in grads.items():
        assert abs(float(g)) < 1e-8, (name, g)


def test_erfcx_where_jax_returns_zero():
    """`jax.scipy.special.erfcx` gives 0 near 9.3 (float32) and 26.6 (float64), which
    made log_ndtr -inf and TruncatedNormal(low=13) float32 draws NaN."""
    from eqdist._numerics import erfcx, log_ndtr

    for dtype, window in [(jnp.float32, (8.0, 10.0)), (jnp.float64, (25.0, 28.0))]:
        x = np.linspace(*window, 401)
        got = np.asarray(erfcx(jnp.asarray(x, dtype)), np.float64)
        expected = sp.erfcx(np.asarray(jnp.asarray(x, dtype), np.float64))
        np.testing.assert_allclose(got, expected, rtol=8 * float(jnp.finfo(dtype).eps))
        z = -np.sqrt(2) * x
        got = np.asarray(log_ndtr(jnp.asarray(z, dtype)), np.float64)
        expected = sp.log_ndtr(np.asarray(jnp.asarray(z, dtype), np.float64))
        np.testing.assert_allclose(got, expected, rtol=8 * float(jnp.finfo(dtype).eps))


def test_ndtri_derivative_is_exact():
    # The shared `ndtri` differentiates as the inverse of Phi (1 / phi(z)), not as
    # its rational approximation.
    from eqdist._numerics import ndtri

    p = np.array([1e-300, 1e-10, 0.3, 0.5, 0.9, 1 - 1e-12])
    grad = jax.vmap(jax.grad(ndtri))(jnp.asarray(p))
    expected = 1 / st.norm.pdf(sp.ndtri(p))
    np.testing.assert_allclose(grad, expected, rtol=1e-10)


def test_float32_ndtri_against_scipy():
    """The float32 `ndtri` (Giles' form, our polynomials) is within 2.5 eps of
    scipy's float64 value over the whole range (an exhaustive run over every float32
    in [tiny, 1) gave 2.2 eps; jax's own float32 `ndtri` reaches 3.7 eps)."""
    from eqdist._numerics import ndtri

    finfo = np.finfo(np.float32)
    lower = np.geomspace(finfo.tiny, 0.5, 60_000).astype(np.float32)
    upper = (1 - np.geomspace(finfo.eps / 2, 0.5, 20_000)).astype(np.float32)
    p = np.concatenate([lower, upper, np.linspace(0, 1, 20_001, dtype=np.float32)])
    got = np.asarray(jax.jit(ndtri)(jnp.asarray(p)), np.float64)
    expected = sp.ndtri(p.astype(np.float64))
    assert got.dtype == np.float64 and np.all(np.sign(got) == np.sign(expected))
    finite = np.isfinite(expected) & (expected != 0)
    rel = np.abs(got[finite] / expected[finite] - 1)
    assert rel.max() <= 2.5 * finfo.eps, rel.max() / finfo.eps
    ends = ndtri(jnp.asarray([0.0, 1.0, 0.5, -0.1, 1.1, np.nan], jnp.float32))
    np.testing.assert_array_equal(ends, [-np.inf, np.inf, 0.0, np.nan, np.nan, np.nan])
    # Narrower floats are computed in float32 and keep their dtype.
    half = ndtri(jnp.asarray([1e-4, 0.3, 0.9], jnp.float16))
    assert half.dtype == jnp.float16
    np.testing.assert_allclose(half, sp.ndtri([1e-4, 0.3, 0.9]), rtol=1e-3)


def test_float32_draws_match_the_float64_quantile():
    """Float32 draws are the float64 log-space quantile of the same uniforms to
    within a few float32 eps (relative, or absolute near 0)."""
    q = jax.random.uniform(jax.random.key(2), (20_000,), jnp.float32)
    eps = float(jnp.finfo(jnp.float32).eps)
    fast = jax.jit(_normal_sample_quantile)
    reference = jax.jit(_normal_icdf)
    for a, b in [(5.0, None), (0.0, None), (-3.0, 2.0), (2.0, 2.5), (-10.0, -9.0)]:
        a32 = jnp.float32(a)
        b32 = None if b is None else jnp.float32(b)
        got = np.asarray(fast(q, a32, b32), np.float64)
        expected = np.asarray(
            reference(
                q.astype(jnp.float64),
                a32.astype(jnp.float64),
                None if b is None else b32.astype(jnp.float64),
            )
        )
        err = np.abs(got - expected) / np.maximum(np.abs(expected), 1.0)
        assert err.max() <= 4 * eps, (a, b, err.max() / eps)
