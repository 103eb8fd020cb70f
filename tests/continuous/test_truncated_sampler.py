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
