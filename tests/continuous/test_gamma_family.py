"""Gamma, Chi2, Exponential, InverseGamma, Beta and Dirichlet against SciPy.

One table of `(constructor, parameters, SciPy equivalent)` drives the univariate
checks; Dirichlet has its own section below.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import eqdist as ed
from eqdist._numerics import betaln
from tests.helpers import finite_difference_grad

QUANTILES = (0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99)
# Every sampling test draws N samples of a batch of 2 (Dirichlet: N // 2 of one
# vector of length 4): the gamma sampler compiles once per size and dtype, so
# sharing the size keeps the suite fast.
N = 2000


@dataclass(frozen=True)
class Case:
    """A distribution with two batched parameter settings and its SciPy twin."""

    cls: type
    params: dict[str, tuple[float, float]]
    scipy: Callable[..., Any]
    quantiles: tuple[float, ...] = QUANTILES

    def make(self, dtype=jnp.float64, **overrides):
        params = {k: jnp.asarray(v, dtype) for k, v in self.params.items()}
        params.update(overrides)
        return self.cls(**params)

    def frozen(self):
        return self.scipy(**{k: np.asarray(v) for k, v in self.params.items()})

    def values(self):
        """In-support points at fixed quantiles, shape (len(quantiles), 2)."""
        q = np.asarray(self.quantiles)[:, None]
        return self.frozen().ppf(q)


CASES = {
    "Gamma": Case(
        ed.Gamma,
        {"concentration": (2.5, 0.3), "rate": (1.5, 0.7)},
        lambda concentration, rate: st.gamma(concentration, scale=1 / rate),
    ),
    "GammaSmall": Case(
        ed.Gamma,
        {"concentration": (1e-2, 5e-2), "rate": (1.0, 3.0)},
        lambda concentration, rate: st.gamma(concentration, scale=1 / rate),
    ),
    "Chi2": Case(ed.Chi2, {"df": (3.5, 0.8)}, lambda df: st.chi2(df)),
    "Exponential": Case(
        ed.Exponential, {"rate": (2.0, 0.3)}, lambda rate: st.expon(scale=1 / rate)
    ),
    "InverseGamma": Case(
        ed.InverseGamma,
        {"concentration": (3.5, 0.8), "rate": (2.0, 1.0)},
        lambda concentration, rate: st.invgamma(concentration, scale=rate),
    ),
    "Beta": Case(
        ed.Beta,
        {"concentration1": (2.5, 0.2), "concentration0": (0.7, 0.3)},
        lambda concentration1, concentration0: st.beta(concentration1, concentration0),
    ),
    "BetaSmall": Case(
        ed.Beta,
        {"concentration1": (1e-2, 5e-2), "concentration0": (2e-2, 3.0)},
        lambda concentration1, concentration0: st.beta(concentration1, concentration0),
        # The upper quantiles of Beta(0.01, 0.02) round to exactly 1.0.
        quantiles=(0.05, 0.3, 0.5, 0.6),
    ),
}
CASE_IDS = list(CASES)
DIRICHLET_ALPHAS = [np.array([0.5, 1.5, 3.0, 1.0]), np.array([2.0, 2.0, 7.0, 0.2])]


def _rel_close(actual, expected, rtol=1e-10, atol=1e-13):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- densities, moments


@pytest.mark.parametrize("name", CASE_IDS)
def test_log_prob_matches_scipy_and_jit(name):
    case = CASES[name]
    dist = case.make()
    x = case.values()
    expected = case.frozen().logpdf(x)
    assert np.all(np.isfinite(expected))
    _rel_close(dist.log_prob(x), expected)
    jitted = jax.jit(lambda d, v: d.log_prob(v))(dist, x)
    _rel_close(jitted, np.asarray(dist.log_prob(x)), rtol=1e-13)


@pytest.mark.parametrize("name", CASE_IDS)
def test_moments_entropy_cdf_match_scipy(name):
    case = CASES[name]
    dist, frozen = case.make(), case.frozen()
    _rel_close(dist.mean, frozen.mean())
    _rel_close(dist.variance, frozen.var())
    _rel_close(dist.entropy(), frozen.entropy())
    x = case.values()
    _rel_close(dist.cdf(x), frozen.cdf(x))


def test_cdf_outside_support_and_exponential_icdf():
    # Below the support every cdf is 0 (not NaN); above Beta's it is 1.
    for name in ("Gamma", "Chi2", "Exponential", "InverseGamma", "Beta"):
        cdf = CASES[name].make().cdf(jnp.array([[-1.0, 0.0]]))
        np.testing.assert_array_equal(np.asarray(cdf), 0.0)
    np.testing.assert_array_equal(np.asarray(CASES["Beta"].make().cdf(2.0)), 1.0)
    dist = ed.Exponential(jnp.array([2.0, 0.3]))
    q = np.array([[1e-12], [0.25], [0.5], [1 - 1e-9]])
    _rel_close(dist.icdf(q), st.expon(scale=1 / np.array([2.0, 0.3])).ppf(q))
    _rel_close(dist.cdf(dist.icdf(q)), np.broadcast_to(q, (4, 2)), rtol=1e-9)


def test_missing_closed_forms_raise_attribute_error():
    with pytest.raises(AttributeError, match="Gamma has no closed-form `icdf`"):
        ed.Gamma(2.0).icdf(0.5)
    with pytest.raises(AttributeError, match="Dirichlet has no closed-form `cdf`"):
        ed.Dirichlet(jnp.ones(3)).cdf(jnp.ones(3) / 3)


def test_undefined_moments_are_inf():
    dist = ed.InverseGamma(jnp.array([0.5, 1.0, 1.5, 2.0, 2.5]), 2.0)
    mean, var = np.asarray(dist.mean), np.asarray(dist.variance)
    np.testing.assert_array_equal(mean[:2], np.inf)
    np.testing.assert_array_equal(var[:4], np.inf)
    _rel_close(mean[2:], 2.0 / (np.array([1.5, 2.0, 2.5]) - 1))
    _rel_close(var[4], 4.0 / (1.5**2 * 0.5))
    # The undefined branch does not poison gradients.
    grads = jax.grad(lambda a: jnp.sum(ed.InverseGamma(a, 2.0).mean[2:]))(
        dist.concentration
    )
    assert np.all(np.isfinite(np.asarray(grads)))


def test_hard_cases():
    # Beta log_prob next to both ends (xlogy / xlog1py).
    a, b = np.array([0.5, 2.5, 3.0]), np.array([0.7, 4.0, 0.4])
    x = np.array([[1e-12], [1 - 1e-12], [1e-300]])
    _rel_close(ed.Beta(a, b).log_prob(x), st.beta(a, b).logpdf(x))
    # Values exactly at the closed ends: the density's limits.
    lp = np.asarray(ed.Beta(jnp.array([1.0, 2.0, 0.5]), 3.0).log_prob(0.0))
    _rel_close(lp[0], math.log(3.0))
    assert lp[1] == -np.inf and lp[2] == np.inf
    # Exponential / Gamma(1) at 0: outside the strict support x > 0.
    assert ed.Exponential(2.0).log_prob(0.0) == -np.inf
    assert ed.Gamma(1.0, 2.0).log_prob(0.0) == -np.inf


@pytest.mark.parametrize("dtype", [jnp.float64, jnp.float32])
def test_tiny_concentrations_sample_finite(dtype):
    """Samples finite, inside the support, spread out (not all 0 or a clip point),
    with finite log_prob, even where exp(log G) underflows for most draws."""
    key = jax.random.key(1)
    tiny = jnp.full(2, 1e-2, dtype)
    for dist in (
        ed.Gamma(tiny),
        ed.Chi2(2 * tiny),
        ed.InverseGamma(tiny),
        ed.Beta(tiny, tiny),
        ed.Dirichlet(jnp.full(4, 1e-2, dtype)),
    ):
        xs = dist.sample(key, (N // 2,) if isinstance(dist, ed.Dirichlet) else (N,))
        assert xs.dtype == dtype
        assert np.all(np.isfinite(np.asarray(xs)))
        assert np.all(np.asarray(dist.support(xs)))
        assert np.unique(np.asarray(xs)).size > 100
        assert np.all(np.isfinite(np.asarray(dist.log_prob(xs))))
    # Pathwise gradients stay finite where draws under- or overflow (and are
    # clipped): d sum(log x) / d concentration for each family.
    for make in (
        ed.Gamma,
        ed.Chi2,
        ed.InverseGamma,
        lambda c: ed.Beta(c, c),
    ):
        conc = jnp.full((N, 2), 1e-2, dtype)
        grads = jax.grad(lambda c, make=make: jnp.sum(jnp.log(make(c).sample(key))))(
            conc
        )
        assert np.all(np.isfinite(np.asarray(grads)))


@pytest.mark.parametrize("name", ["Gamma", "Chi2", "InverseGamma", "Beta"])
def test_float32_close_to_float64(name):
    case = CASES[name]
    # Compare at the float32-rounded points: rounding x itself is not the point.
    x32 = jnp.asarray(case.values(), jnp.float32)
    lp64 = np.asarray(case.make().log_prob(np.asarray(x32, np.float64)))
    lp32 = case.make(jnp.float32).log_prob(x32)
    assert lp32.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(lp32), lp64, rtol=1e-5, atol=1e-5)


def test_exponential_float32():
    x = np.array([0.1, 1.0, 5.0])
    lp32 = ed.Exponential(jnp.float32(2.0)).log_prob(jnp.asarray(x, jnp.float32))
    np.testing.assert_allclose(
        np.asarray(lp32), st.expon(scale=0.5).logpdf(x), rtol=1e-5
    )


# ---------------------------------------------------------------- sampling


@pytest.mark.parametrize("name", CASE_IDS)
def test_samples_fit_scipy(name):
    case = CASES[name]
    dist = case.make()
    xs = np.asarray(dist.sample(jax.random.key(2), (N,)))
    assert xs.shape == (N, 2)
    assert np.all(np.asarray(dist.support(xs)))
    assert np.all(np.isfinite(np.asarray(dist.log_prob(xs))))
    # Draws are clipped to [tiny, top] (top = 1 - eps/2 for Beta) so that log_prob
    # stays finite; the clip points carry atoms. A randomized probability integral
    # transform (uniform within each atom's cdf jump) is exactly uniform for such a
    # law, and KS against U(0, 1) has no ties.
    lo = np.finfo(np.float64).tiny
    hi = 1 - np.finfo(np.float64).eps / 2 if case.cls is ed.Beta else np.inf
    v = np.random.default_rng(0).uniform(size=N)
    for i in range(2):
        frozen = case.scipy(**{k: p[i] for k, p in case.params.items()})
        x = xs[:, i]
        f_lo, f_hi = frozen.cdf(lo), frozen.cdf(hi)
        u = np.where(x <= lo, v * f_lo, frozen.cdf(x))
        u = np.where(x >= hi, f_hi + v * (1 - f_hi), u)
        assert st.kstest(u, "uniform").pvalue > 1e-3


def test_exponential_never_zero():
    # The smallest and largest uniforms map to finite, positive draws.
    xs = ed.Exponential(jnp.float32(1.0)).sample(jax.random.key(3), (20000,))
    assert np.all(np.asarray(xs) > 0) and np.all(np.isfinite(np.asarray(xs)))


FAMILIES = {
    "Gamma": lambda s: ed.Gamma(jnp.full(s, 2.0), jnp.full(s, 1.5)),
    "Chi2": lambda s: ed.Chi2(jnp.full(s, 3.0)),
    "Exponential": lambda s: ed.Exponential(jnp.full(s, 2.0)),
    "InverseGamma": lambda s: ed.InverseGamma(jnp.full(s, 3.0), jnp.full(s, 2.0)),
    "Beta": lambda s: ed.Beta(jnp.full(s, 2.0), jnp.full(s, 3.0)),
    "Dirichlet": lambda s: ed.Dirichlet(
        jnp.broadcast_to(jnp.array([1.0, 2, 3]), s + (3,))
    ),
}


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("batch_shape", [(), (3,), (2, 3)])
def test_shapes(family, batch_shape):
    dist = FAMILIES[family](batch_shape)
    event_shape = (3,) if family == "Dirichlet" else ()
    assert dist.batch_shape == batch_shape
    assert dist.event_shape == event_shape
    for sample_shape in [(), (4,)]:
        # Traced, not run: sampling is checked numerically elsewhere, and every new
        # shape would cost a compilation of the gamma sampler.
        x = jax.eval_shape(lambda d: d.sample(jax.random.key(0), sample_shape), dist)
        assert x.shape == sample_shape + batch_shape + event_shape
        assert x.dtype == jnp.float64
        lp = jax.eval_shape(lambda d, v: d.log_prob(v), dist, x)
        assert lp.shape == sample_shape + batch_shape
    mean, variance, entropy = jax.eval_shape(
        lambda d: (d.mean, d.variance, d.entropy()), dist
    )
    assert mean.shape == variance.shape == batch_shape + event_shape
    assert entropy.shape == batch_shape


def test_sample_jit_matches_eager():
    key = jax.random.key(4)
    dists = [CASES[name].make() for name in ("Gamma", "Exponential")]
    eager = [d.sample(key, (N,)) for d in dists]
    jitted = jax.jit(lambda ds, k: [d.sample(k, (N,)) for d in ds])(dists, key)
    for a, b in zip(eager, jitted):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-12)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize(
    "name", ["Gamma", "Chi2", "Exponential", "InverseGamma", "Beta"]
)
def test_log_prob_grad_matches_finite_differences(name):
    case = CASES[name]
    x = case.values()[1:-1]
    for param in case.params:
        base = jnp.asarray(case.params[param], jnp.float64)

        def f(p, param=param):
            return jnp.sum(case.make(**{param: p}).log_prob(x))

        grad = jax.grad(f)(base)
        expected = finite_difference_grad(f, base, eps=1e-6)
        np.testing.assert_allclose(np.asarray(grad), np.asarray(expected), rtol=1e-6)


@pytest.mark.parametrize(
    "cls, kwargs, param, values, scipy_of",
    [
        (
            ed.Gamma,
            {"rate": 1.5},
            "concentration",
            (0.02, 4.0),
            lambda a: st.gamma(a, scale=1 / 1.5),
        ),
        (ed.Chi2, {}, "df", (0.7, 9.0), lambda k: st.chi2(k)),
        (
            ed.InverseGamma,
            {"rate": 2.0},
            "concentration",
            (0.5, 3.0),
            lambda a: st.invgamma(a, scale=2.0),
        ),
    ],
)
def test_implicit_reparameterization_per_sample(cls, kwargs, param, values, scipy_of):
    """d sample / d parameter equals the implicit-function formula
    -(dF/d theta) / p(x), with dF/d theta from finite differences of SciPy's cdf."""
    theta = jnp.broadcast_to(jnp.asarray(values), (N, 2))

    def draws(t):
        return cls(**{param: t}, **kwargs).sample(jax.random.key(5))

    xs = np.asarray(draws(theta))
    grads = np.asarray(jax.grad(lambda t: jnp.sum(draws(t)))(theta))
    assert np.all(np.isfinite(grads))
    for i, value in enumerate(values):
        x, g = xs[:, i], grads[:, i]
        keep = (x > 1e-250) & (x < 1e250)  # where SciPy's pdf is representable
        assert keep.sum() > N // 2
        x, g = x[keep], g[keep]
        h = 1e-6 * value
        dcdf = (scipy_of(value + h).cdf(x) - scipy_of(value - h).cdf(x)) / (2 * h)
        expected = -dcdf / scipy_of(value).pdf(x)
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-12)


def test_pathwise_grad_in_rate():
    key = jax.random.key(6)
    # x = G / rate (Gamma), x = rate / G (InverseGamma), x = E / rate (Exponential).
    for cls, kwargs, sign in [
        (ed.Gamma, {"concentration": 2.0}, -1),
        (ed.InverseGamma, {"concentration": 2.0}, 1),
        (ed.Exponential, {}, -1),
    ]:
        rate = jnp.full((N, 2), 1.7)

        def draws(r, cls=cls, kwargs=kwargs):
            return cls(rate=r, **kwargs).sample(key)

        grads = jax.grad(lambda r: jnp.sum(draws(r)))(rate)
        _rel_close(grads, sign * np.asarray(draws(rate)) / 1.7, rtol=1e-12)


def _mc_grad_check(per_sample_grads, expected, z=5.0):
    """The Monte Carlo mean of per-sample gradients is within `z` standard errors of
    `expected` (and the test can fail: the standard error is small)."""
    g = np.asarray(per_sample_grads)
    se = g.std(axis=0, ddof=1) / math.sqrt(g.shape[0])
    assert np.all(np.abs(g.mean(axis=0) - expected) < z * se + 1e-12), (
        g.mean(axis=0),
        expected,
        se,
    )


@pytest.mark.parametrize("a, b", [((2.0, 0.3), (3.0, 0.5)), ((0.02, 1.0), (2.0, 0.05))])
def test_beta_reparameterized_gradient_of_expectations(a, b):
    """Gradients of Monte Carlo estimates of E[x] and E[log x] match the analytic
    gradients (E[x] = a/(a+b), E[log x] = psi(a) - psi(a+b))."""
    key = jax.random.key(7)
    a, b = np.asarray(a), np.asarray(b)

    def draws(c1, c0):
        return ed.Beta(c1, c0).sample(key)

    c1 = jnp.broadcast_to(jnp.asarray(a), (N, 2))
    c0 = jnp.broadcast_to(jnp.asarray(b), (N, 2))
    for stat, grad_a, grad_b in [
        (lambda x: x, b / (a + b) ** 2, -a / (a + b) ** 2),
        (
            jnp.log,
            sp.polygamma(1, a) - sp.polygamma(1, a + b),
            -sp.polygamma(1, a + b),
        ),
    ]:
        ga, gb = jax.grad(lambda p, q: jnp.sum(stat(draws(p, q))), argnums=(0, 1))(
            c1, c0
        )
        _mc_grad_check(ga, grad_a)
        _mc_grad_check(gb, grad_b)


def test_dirichlet_reparameterized_gradient_of_expectation():
    alpha = DIRICHLET_ALPHAS[0]
    total = alpha.sum()
    conc = jnp.broadcast_to(jnp.asarray(alpha), (N // 2, alpha.size))
    grads = jax.grad(
        lambda c: jnp.sum(ed.Dirichlet(c).sample(jax.random.key(8))[:, 0])
    )(conc)
    # d E[x_0] / d alpha_j = (delta_0j * total - alpha_0) / total^2
    expected = (np.eye(alpha.size)[0] * total - alpha[0]) / total**2
    _mc_grad_check(grads, expected)


# ---------------------------------------------------------------- pytree behaviour


def test_vmap_over_stacked_distributions():
    xs = jnp.array([[0.3, 1.0], [2.0, 0.5], [0.9, 0.1]]) / 3
    params = jnp.array([[2.0, 0.5], [1.5, 3.0], [0.7, 1.2]])
    makers = [
        lambda p: ed.Gamma(p, 1.5),
        lambda p: ed.Chi2(p),
        lambda p: ed.Exponential(p),
        lambda p: ed.InverseGamma(p, 2.0),
        lambda p: ed.Beta(p, 0.7),
    ]
    conc = jnp.array([[[1.0, 2.0, 3.0]], [[0.5, 0.5, 4.0]]])
    values = jnp.array([[[0.2, 0.3, 0.5]], [[0.1, 0.6, 0.3]]])

    @jax.jit  # one compilation instead of one per primitive
    def vmapped_log_probs(params, xs, conc, values):
        out = []
        for make in makers:
            dists = jax.vmap(make)(params)
            out.append(jax.vmap(lambda d, x: d.log_prob(x))(dists, xs))
        dists = jax.vmap(ed.Dirichlet)(conc)
        assert dists.batch_shape == (2, 1)
        out.append(jax.vmap(lambda d, x: d.log_prob(x))(dists, values))
        return out

    vmapped = vmapped_log_probs(params, xs, conc, values)
    batched = [make(params).log_prob(xs) for make in makers]
    batched.append(ed.Dirichlet(conc).log_prob(values))
    for a, b in zip(vmapped, batched):
        _rel_close(a, np.asarray(b), rtol=1e-13)


@pytest.mark.parametrize(
    "dist, outside",
    [
        (ed.Gamma(2.0, 1.5), [-1.0, 0.0]),
        (ed.Chi2(3.0), [-1.0, 0.0]),
        (ed.Exponential(2.0), [-1.0, 0.0]),
        (ed.InverseGamma(2.0, 1.5), [-1.0, 0.0]),
        (ed.Beta(2.0, 3.0), [-0.1, 1.1]),
        (ed.Dirichlet(jnp.array([1.0, 2.0, 3.0])), [[0.5, 0.6, -0.1], [0.2, 0.2, 0.2]]),
    ],
)
def test_outside_support_is_minus_inf_with_finite_gradient(dist, outside):
    outside = jnp.asarray(outside)

    def total(d, v):
        return jnp.sum(d.log_prob(v))

    @jax.jit  # one compilation instead of one per primitive
    def log_prob_and_grads(d, v):
        return d.log_prob(v), jax.grad(total, argnums=(0, 1))(d, v)

    lp, grads = log_prob_and_grads(dist, outside)
    np.testing.assert_array_equal(np.asarray(lp), -np.inf)
    for leaf in jax.tree.leaves(grads):
        assert not np.any(np.isnan(np.asarray(leaf)))


@pytest.mark.parametrize(
    "make, param",
    [
        (lambda: ed.Gamma(-1.0, 1.0, validate_args=True), "concentration"),
        (lambda: ed.Gamma(1.0, 0.0, validate_args=True), "rate"),
        (lambda: ed.Chi2(jnp.array([1.0, -2.0]), validate_args=True), "df"),
        (lambda: ed.Exponential(-3.0, validate_args=True), "rate"),
        (lambda: ed.InverseGamma(0.0, 1.0, validate_args=True), "concentration"),
        (lambda: ed.InverseGamma(1.0, -1.0, validate_args=True), "rate"),
        (lambda: ed.Beta(-1.0, 1.0, validate_args=True), "concentration1"),
        (lambda: ed.Beta(1.0, 0.0, validate_args=True), "concentration0"),
        (
            lambda: ed.Dirichlet(jnp.array([1.0, 0.0]), validate_args=True),
            "concentration",
        ),
    ],
)
def test_validate_args_names_the_parameter(make, param):
    with pytest.raises(ValueError, match=f"`{param}`"):
        make()


def test_validate_args_rejects_outside_values():
    with pytest.raises(ValueError, match="outside the support"):
        ed.Gamma(2.0, validate_args=True).log_prob(-1.0)
    with pytest.raises(ValueError, match="outside the support"):
        ed.Beta(2.0, 2.0, validate_args=True).log_prob(1.5)


def test_bad_shapes_raise():
    # Under the test suite's runtime type checker the annotations catch these
    # first (a TypeError subclass); without it `promote_params` raises ValueError.
    with pytest.raises((ValueError, TypeError), match="Gamma"):
        ed.Gamma(jnp.ones(2), jnp.ones(3))
    with pytest.raises((ValueError, TypeError), match="Dirichlet"):
        ed.Dirichlet(1.0)


# ---------------------------------------------------------------- Dirichlet


@pytest.mark.parametrize("alpha", DIRICHLET_ALPHAS)
def test_dirichlet_matches_scipy(alpha):
    dist = ed.Dirichlet(alpha)
    ref = st.dirichlet(alpha)
    xs = st.dirichlet(alpha + 1).rvs(5, random_state=0)
    xs = xs / xs.sum(-1, keepdims=True)
    _rel_close(dist.log_prob(xs), ref.logpdf(xs.T))
    _rel_close(jax.jit(lambda d: d.log_prob(xs))(dist), ref.logpdf(xs.T))
    _rel_close(dist.mean, ref.mean())
    _rel_close(dist.variance, ref.var())
    _rel_close(dist.entropy(), ref.entropy())
    # Dyadic points: exact in float32, so both dtypes see the same simplex points.
    x32 = jnp.array(
        [[0.125, 0.25, 0.5, 0.125], [0.0625, 0.4375, 0.25, 0.25]], jnp.float32
    )
    lp32 = ed.Dirichlet(jnp.asarray(alpha, jnp.float32)).log_prob(x32)
    lp64 = dist.log_prob(np.asarray(x32, np.float64))
    np.testing.assert_allclose(np.asarray(lp32), np.asarray(lp64), rtol=1e-5, atol=1e-5)
    grad = jax.grad(lambda a: jnp.sum(ed.Dirichlet(a).log_prob(xs)))(jnp.asarray(alpha))
    fd = finite_difference_grad(
        lambda a: jnp.sum(ed.Dirichlet(a).log_prob(xs)), jnp.asarray(alpha)
    )
    np.testing.assert_allclose(np.asarray(grad), np.asarray(fd), rtol=1e-6)


@pytest.mark.parametrize("alpha", DIRICHLET_ALPHAS)
def test_dirichlet_samples(alpha):
    n = N // 2
    dist = ed.Dirichlet(alpha)
    xs = np.asarray(dist.sample(jax.random.key(9), (n,)))
    assert xs.shape == (n, alpha.size)
    assert np.all(np.asarray(dist.support(xs)))
    total = alpha.sum()
    mean, var = alpha / total, alpha * (total - alpha) / (total**2 * (total + 1))
    assert np.all(np.abs(xs.mean(0) - mean) < 5 * np.sqrt(var / n))
    # Each marginal is Beta(alpha_i, total - alpha_i).
    for i, a in enumerate(alpha):
        assert st.kstest(xs[:, i], st.beta(a, total - a).cdf).pvalue > 1e-3


# ---------------------------------------------------------------- numerics


def test_betaln_accurate():
    betaln_jit = jax.jit(betaln)
    rng = np.random.default_rng(0)
    a, b = np.exp(rng.uniform(np.log(1e-2), np.log(50.0), (2, 200)))
    np.testing.assert_allclose(
        np.asarray(betaln_jit(a, b)), sp.betaln(a, b), rtol=1e-12, atol=1e-13
    )
    # Exact references where SciPy and jax.scipy lose digits (b >= 8):
    # B(3, b) = 2 / (b (b+1) (b+2)), B(a, 1) = 1/a, and integer factorials.
    for b_ in [8.5, 123.25, 1e6 + 0.3, 3e12]:
        exact = math.log(2.0) - sum(math.log(b_ + i) for i in range(3))
        _rel_close(betaln_jit(3.0, b_), exact, rtol=2e-15)
        _rel_close(betaln_jit(b_, 3.0), exact, rtol=2e-15)
        _rel_close(betaln_jit(b_, 1.0), -math.log(b_), rtol=2e-15)

    def log_factorial(n):
        return math.log(math.factorial(n))

    for m, n in [(8, 9), (40, 1000), (10000, 20000)]:
        exact = log_factorial(m - 1) + log_factorial(n - 1) - log_factorial(m + n - 1)
        _rel_close(betaln_jit(float(m), float(n)), exact, rtol=1e-14)
    grad = jax.grad(betaln, argnums=(0, 1))(30.0, 20.0)
    expected = (
        sp.digamma(30.0) - sp.digamma(50.0),
        sp.digamma(20.0) - sp.digamma(50.0),
    )
    _rel_close(jnp.stack(grad), np.asarray(expected), rtol=1e-12)
