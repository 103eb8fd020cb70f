"""Truncated normal and truncated Cauchy far in the tails, and the other families'
hard regimes (Cauchy at 1e10, LogNormal quantiles near 0 and 1, StudentT with a
million degrees of freedom)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import eqdist
from tests.helpers import finite_difference_grad

TYPICAL_Q = np.array([0.05, 0.3, 0.5, 0.8, 0.95])


def _mills_c(a, depth=400):
    """`phi(a)/Q(a) - a` from the Laplace continued fraction (an independent
    reference for the truncated-normal moments far out)."""
    t = 0.0
    for k in range(depth, 1, -1):
        t = k / (a + t)
    return 1.0 / (a + t)


# (low, high) in standard units; scipy's truncnorm is the reference.
NORMAL_TAILS = [(5.0, None), (-10.0, -9.0), (8.0, 9.0), (-3.0, 50.0)]


@pytest.mark.parametrize("low, high", NORMAL_TAILS)
def test_truncated_normal_tails_match_scipy(low, high):
    loc, scale = 0.5, 2.0
    dist = eqdist.TruncatedNormal(
        loc + scale * low, loc, scale, high=None if high is None else loc + scale * high
    )
    ref = st.truncnorm(low, np.inf if high is None else high, loc, scale)
    x = ref.ppf(TYPICAL_Q)
    np.testing.assert_allclose(dist.log_prob(x), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(dist.cdf(x), TYPICAL_Q, rtol=1e-9)
    np.testing.assert_allclose(dist.icdf(TYPICAL_Q), x, rtol=1e-12)
    # Extreme quantiles against the direct formula in whichever tail is accurate
    # (scipy's truncnorm.ppf loses digits there, e.g. near q = 1 for (-3, 50)).
    q = np.array([1e-12, 1 - 1e-12])
    b = np.inf if high is None else high
    below = (1 - q) * sp.ndtr(low) + q * sp.ndtr(b)
    above = (1 - q) * sp.ndtr(-low) + q * sp.ndtr(-b)
    z = np.where(below < above, sp.ndtri(below), -sp.ndtri(above))
    np.testing.assert_allclose(dist.icdf(q), loc + scale * z, rtol=1e-13)
    np.testing.assert_allclose(dist.mean, ref.mean(), rtol=1e-13)
    np.testing.assert_allclose(dist.variance, ref.var(), rtol=1e-10)


@pytest.mark.parametrize("a", [30.0, 100.0])
def test_truncated_normal_far_tail_against_continued_fraction(a):
    dist = eqdist.TruncatedNormal(a)
    c = _mills_c(a)
    # log p(x) = -x^2/2 - log sqrt(2 pi) - log Q(a), with scipy's log_ndtr.
    x = np.array([a, a + 0.01, a + 0.1])
    expected = -0.5 * x**2 - 0.5 * np.log(2 * np.pi) - sp.log_ndtr(-a)
    np.testing.assert_allclose(dist.log_prob(x), expected, rtol=1e-12)
    np.testing.assert_allclose(dist.mean, a + c, rtol=1e-14)
    np.testing.assert_allclose(dist.variance, 1 - (a + c) * c, rtol=1e-8)
    q = np.array([1e-9, 0.5, 0.999])
    # Quantile: Q(x) = (1 - q) Q(a), inverted with scipy in log space.
    expected_x = -np.array(
        [
            _scipy_log_ndtri(np.log1p(-qi) + sp.log_ndtr(-a))
            for qi in q  # Newton on scipy's log_ndtr: an independent inverse
        ]
    )
    np.testing.assert_allclose(dist.icdf(q), expected_x, rtol=1e-14)


def _scipy_log_ndtri(log_p):
    x = -np.sqrt(-2 * log_p)
    for _ in range(60):
        x -= (sp.log_ndtr(x) - log_p) / np.exp(
            -0.5 * x * x - 0.5 * np.log(2 * np.pi) - sp.log_ndtr(x)
        )
    return x


@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32])
@pytest.mark.parametrize("low, high", [(30.0, None), (-40.0, -39.0)])
def test_truncated_normal_far_tail_samples(low, high, dtype):
    dist = eqdist.TruncatedNormal(
        dtype(low), dtype(0.0), dtype(1.0), None if high is None else dtype(high)
    )
    x = jax.jit(lambda d: d.sample(jax.random.key(4), (2000,)))(dist)
    assert x.dtype == dtype
    assert not bool(jnp.any(jnp.isnan(x)))
    assert bool(jnp.all(x >= dtype(low)))
    if high is not None:
        assert bool(jnp.all(x <= dtype(high)))
    ref = st.truncnorm(low, np.inf if high is None else high)
    assert st.kstest(np.asarray(x, dtype=np.float64), ref.cdf).pvalue > 1e-3
    assert bool(jnp.all(jnp.isfinite(dist.log_prob(x))))


def test_truncated_normal_tail_gradients():
    # d log p / d(low) far out, against finite differences.
    x = jnp.array([30.01, 30.1])
    lp = jax.jit(lambda low: jnp.sum(eqdist.TruncatedNormal(low, 0.0, 1.0).log_prob(x)))
    np.testing.assert_allclose(
        jax.jit(jax.grad(lp))(30.0), finite_difference_grad(lp, 30.0), rtol=1e-6
    )
    # Pathwise gradients of far-tail draws w.r.t. all four parameters: finite, and
    # F(x(theta); theta) stays fixed (see test_location_scale).
    key = jax.random.key(0)

    def quantiles_and_draws(params):
        d = eqdist.TruncatedNormal(**params)
        v = d.sample(key, (50,))
        return jnp.stack([jnp.sum(d.cdf(v)), jnp.sum(v)])

    for low, high in [(-10.0, -9.0), (30.0, 31.0)]:
        params = {
            k: jnp.asarray(v)
            for k, v in dict(low=low, loc=0.0, scale=1.0, high=high).items()
        }
        jac = jax.jit(jax.jacrev(quantiles_and_draws))(params)
        for name, g in jac.items():
            assert np.all(np.isfinite(g)), name
            np.testing.assert_allclose(g[0], 0.0, atol=1e-7, err_msg=name)


def test_truncated_normal_entropy_far_out():
    # Against numerical integration of -p log p.
    from scipy import integrate

    dist = eqdist.TruncatedNormal(-9.0, high=-8.0)
    lp = lambda v: float(dist.log_prob(v))  # noqa: E731
    expected = integrate.quad(lambda v: -np.exp(lp(v)) * lp(v), -9.0, -8.0)[0]
    np.testing.assert_allclose(dist.entropy(), expected, rtol=1e-9)


# --- truncated Cauchy ---------------------------------------------------------------


def _cauchy_mass_above(x):
    """pi * P(Z > x) for x > 0, as arctan(1/x): no cancellation."""
    return np.arctan(1 / x)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_truncated_cauchy_far_tails(sign):
    lo, hi = 1e10, 2e10
    theta = _cauchy_mass_above(lo) - _cauchy_mass_above(hi)
    x = np.array([1.1e10, 1.5e10, 1.9e10])
    cdf = (_cauchy_mass_above(lo) - _cauchy_mass_above(x)) / theta
    if sign > 0:
        dist, values, expected_cdf = eqdist.TruncatedCauchy(lo, high=hi), x, cdf
    else:
        dist = eqdist.TruncatedCauchy(-hi, high=-lo)
        values, expected_cdf = -x[::-1], 1 - cdf[::-1]
    expected_lp = -np.log1p(values**2) - np.log(theta)
    np.testing.assert_allclose(dist.log_prob(values), expected_lp, rtol=1e-13)
    np.testing.assert_allclose(dist.cdf(values), expected_cdf, rtol=1e-13)
    np.testing.assert_allclose(dist.icdf(expected_cdf), values, rtol=1e-13)
    mean = sign * np.log((1 + hi**2) / (1 + lo**2)) / (2 * theta)
    np.testing.assert_allclose(dist.mean, mean, rtol=1e-13)
    one_sided = eqdist.TruncatedCauchy(lo)
    np.testing.assert_allclose(
        one_sided.log_prob(x),
        -np.log1p(x**2) - np.log(_cauchy_mass_above(lo)),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        one_sided.cdf(x), 1 - _cauchy_mass_above(x) / _cauchy_mass_above(lo), rtol=1e-13
    )


@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32])
def test_truncated_cauchy_far_tail_samples(dtype):
    lo, hi = 1e10, 2e10
    dist = eqdist.TruncatedCauchy(dtype(lo), high=dtype(hi))
    x = jax.jit(lambda d: d.sample(jax.random.key(2), (2000,)))(dist)
    assert x.dtype == dtype and not bool(jnp.any(jnp.isnan(x)))
    assert bool(jnp.all((x >= dtype(lo)) & (x <= dtype(hi))))
    theta = _cauchy_mass_above(lo) - _cauchy_mass_above(hi)
    cdf = lambda v: (_cauchy_mass_above(lo) - _cauchy_mass_above(v)) / theta  # noqa: E731
    assert st.kstest(np.asarray(x, dtype=np.float64), cdf).pvalue > 1e-3
    one_sided = eqdist.TruncatedCauchy(dtype(-1e10))
    y = one_sided.sample(jax.random.key(3), (2000,))
    assert bool(jnp.all(y >= dtype(-1e10))) and not bool(jnp.any(jnp.isnan(y)))
    assert st.kstest(np.asarray(y, np.float64), st.cauchy.cdf).pvalue > 1e-3


# --- other families in their hard regimes ------------------------------------------


def test_cauchy_far_tails():
    dist = eqdist.Cauchy()
    np.testing.assert_allclose(dist.log_prob(1e10), st.cauchy.logpdf(1e10), rtol=1e-14)
    np.testing.assert_allclose(
        dist.log_prob(1e200), -np.log(np.pi) - 400 * np.log(10), rtol=1e-14
    )
    np.testing.assert_allclose(dist.cdf(-1e10), np.arctan(1e-10) / np.pi, rtol=1e-14)
    np.testing.assert_allclose(dist.cdf(1e10), 1 - np.arctan(1e-10) / np.pi, rtol=1e-14)
    np.testing.assert_allclose(dist.icdf(1e-12), -1 / np.tan(np.pi * 1e-12), rtol=1e-14)
    np.testing.assert_allclose(
        dist.icdf(1 - 1e-12), st.cauchy.ppf(1 - 1e-12), rtol=1e-12
    )
    assert np.isfinite(jax.grad(dist.log_prob)(1e200))
    # float32: x^2 would overflow at 1e20.
    lp32 = eqdist.Cauchy(jnp.float32(0.0)).log_prob(jnp.float32(1e30))
    np.testing.assert_allclose(lp32, -np.log(np.pi) - 60 * np.log(10), rtol=1e-6)


def test_lognormal_extreme_quantiles():
    dist = eqdist.LogNormal(0.3, 0.8)
    q = np.array([1e-12, 1 - 1e-12])
    ref = st.lognorm(0.8, scale=np.exp(0.3))
    np.testing.assert_allclose(dist.icdf(q), ref.ppf(q), rtol=1e-13)
    np.testing.assert_allclose(dist.cdf(ref.ppf(q)), q, rtol=1e-10)


def test_student_t_many_degrees_of_freedom():
    dist = eqdist.StudentT(1e6, 0.5, 2.0)
    x = np.array([-3.0, 0.5, 4.0, 10.0])
    ref = st.t(1e6, 0.5, 2.0)
    np.testing.assert_allclose(dist.log_prob(x), ref.logpdf(x), rtol=1e-9)
    # Within O(1/df) of the normal density.
    np.testing.assert_allclose(
        dist.log_prob(x), st.norm(0.5, 2.0).logpdf(x), rtol=1e-4, atol=0
    )
    np.testing.assert_allclose(dist.cdf(x), ref.cdf(x), rtol=1e-8)
    np.testing.assert_allclose(dist.entropy(), ref.entropy(), rtol=1e-9)
    np.testing.assert_allclose(dist.variance, ref.var(), rtol=1e-12)


def test_student_t_cdf_tails():
    dist = eqdist.StudentT(3.0)
    x = np.array([-1e4, -30.0, 30.0, 1e4])
    np.testing.assert_allclose(dist.cdf(x), st.t(3.0).cdf(x), rtol=1e-9)


# --- numerics helpers ----------------------------------------------------------------


def test_log_ndtr_and_its_inverse():
    from eqdist._numerics import log_ndtr, log_ndtr_diff, log_ndtri

    @jax.jit
    def helpers(x, log_p):
        slope = jax.vmap(jax.grad(log_ndtri))(log_p)
        return log_ndtr(x), log_ndtri(log_p), slope

    x = np.array([-1e3, -40.0, -30.0, -20.0, -5.0, -0.5, 0.0, 3.0, 8.0])
    log_p = sp.log_ndtr(x)
    value, inverse, slope = helpers(x, log_p)
    np.testing.assert_allclose(value, log_p, rtol=1e-14)
    np.testing.assert_allclose(inverse, x, rtol=1e-13, atol=1e-15)
    # The implicit derivative Phi(x) / phi(x).
    np.testing.assert_allclose(
        slope[1:-1], np.exp(log_p - st.norm.logpdf(x))[1:-1], rtol=1e-9
    )
    value, inverse, _ = helpers(
        jnp.asarray(x[1:], jnp.float32), jnp.asarray(log_p[1:], jnp.float32)
    )
    assert value.dtype == inverse.dtype == jnp.float32
    np.testing.assert_allclose(value, log_p[1:], rtol=1e-5)
    np.testing.assert_allclose(inverse, x[1:], rtol=1e-5, atol=1e-6)

    a = np.array([30.0, -10.0, -1.0, 5.0])
    b = np.array([31.0, -9.0, 2.0, 5.5])
    expected = [
        sp.log_ndtr(-a[0]) + np.log1p(-np.exp(sp.log_ndtr(-b[0]) - sp.log_ndtr(-a[0]))),
        sp.log_ndtr(b[1]) + np.log1p(-np.exp(sp.log_ndtr(a[1]) - sp.log_ndtr(b[1]))),
        np.log(st.norm.cdf(b[2]) - st.norm.cdf(a[2])),
        np.log(st.norm.sf(a[3]) - st.norm.sf(b[3])),
    ]
    diff_and_grad = jax.jit(
        jax.value_and_grad(lambda u, v: jnp.sum(log_ndtr_diff(u, v)), (0, 1))
    )
    _, (ga, gb) = diff_and_grad(a, b)
    np.testing.assert_allclose(log_ndtr_diff(a, b), expected, rtol=1e-12)
    assert np.all(np.isfinite(ga)) and np.all(np.isfinite(gb))


def test_truncated_normal_moment_gradients():
    # The closed-form moments are differentiable in the bounds (no NaN from the
    # branches not taken, e.g. the infinite upper bound of the one-sided case).
    @jax.jit
    def moments(low):
        d = eqdist.TruncatedNormal(low, 0.3, 1.2)
        return jnp.stack([d.mean, d.variance, d.entropy()])

    for low in (-1.0, 1.0, 8.0):
        jac = jax.jacfwd(moments)(low)
        fd = [
            (moments(low + 1e-6)[i] - moments(low - 1e-6)[i]) / 2e-6 for i in range(3)
        ]
        np.testing.assert_allclose(jac, fd, rtol=1e-5, atol=1e-9)
