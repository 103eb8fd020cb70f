"""Table-driven tests of the univariate continuous families against `scipy.stats`:
densities, moments, entropy, cdf/icdf, samples (shape, support, goodness of fit),
pathwise gradients, jit, vmap, float32 and validation."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st
from scipy import integrate

import eqdist
from tests.helpers import finite_difference_grad

_CAUCHY = st.make_distribution(st.cauchy)


class _ScipyNewAdapter:
    """The frozen-distribution method names over scipy's new `truncate` objects."""

    def __init__(self, rv):
        self.rv = rv

    def logpdf(self, x):
        return self.rv.logpdf(x)

    def cdf(self, x):
        return self.rv.cdf(x)

    def ppf(self, q):
        return self.rv.icdf(q)

    def mean(self):
        return self.rv.mean()

    def var(self):
        return self.rv.variance()

    def entropy(self):
        return self.rv.entropy()

    def support(self):
        return self.rv.support()


def _truncated_cauchy(low, loc, scale, high=np.inf):
    return _ScipyNewAdapter(st.truncate(scale * _CAUCHY() + loc, lb=low, ub=high))


@dataclass
class Case:
    """One row of the table: how to build the distribution and its scipy twin."""

    name: str
    make: Callable[..., Any]
    params: dict[str, float]
    scipy: Callable[..., Any]
    outside: float | None = None  # a value outside the support, if it has one
    mean: float | None = None  # overrides for undefined moments
    variance: float | None = None
    rtol: float = 1e-10
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self):
        return self.name


def _tn(low, loc, scale, high=np.inf):
    return st.truncnorm((low - loc) / scale, (high - loc) / scale, loc, scale)


CASES = [
    Case("Cauchy", eqdist.Cauchy, dict(loc=0.5, scale=2.0), st.cauchy, None),
    Case("HalfCauchy", eqdist.HalfCauchy, dict(scale=1.5), st.halfcauchy, -1.0),
    Case("HalfNormal", eqdist.HalfNormal, dict(scale=0.7), st.halfnorm, -1.0),
    Case(
        "LogNormal",
        eqdist.LogNormal,
        dict(loc=0.3, scale=0.8),
        lambda loc, scale: st.lognorm(scale, scale=math.exp(loc)),
        -1.0,
    ),
    Case(
        "StudentT",
        eqdist.StudentT,
        dict(df=4.5, loc=1.0, scale=2.0),
        st.t,
        None,
        rtol=1e-9,  # betainc in the cdf
    ),
    Case(
        "Pareto",
        eqdist.Pareto,
        dict(alpha=3.5, scale=2.0),
        lambda alpha, scale: st.pareto(alpha, scale=scale),
        1.0,
    ),
    Case(
        "Uniform",
        eqdist.Uniform,
        dict(low=-1.0, high=2.5),
        lambda low, high: st.uniform(low, high - low),
        3.0,
    ),
    Case(
        "TruncatedNormal",
        eqdist.TruncatedNormal,
        dict(low=-0.5, loc=0.3, scale=1.5),
        _tn,
        -0.6,
    ),
    Case(
        "TruncatedNormal-two-sided",
        eqdist.TruncatedNormal,
        dict(low=-1.0, loc=0.3, scale=1.5, high=2.0),
        _tn,
        2.5,
    ),
    Case(
        "TruncatedCauchy",
        eqdist.TruncatedCauchy,
        dict(low=-1.0, loc=0.5, scale=2.0),
        _truncated_cauchy,
        -1.5,
        mean=np.inf,
        variance=np.inf,
    ),
    Case(
        "TruncatedCauchy-two-sided",
        eqdist.TruncatedCauchy,
        dict(low=-1.0, loc=0.5, scale=2.0, high=3.0),
        _truncated_cauchy,
        3.5,
        rtol=1e-8,  # scipy integrates the moments numerically
    ),
]

MOMENT_ONLY = [
    Case("StudentT-df1.5", eqdist.StudentT, dict(df=1.5), st.t, None, rtol=1e-9),
    Case(
        "StudentT-df0.8",
        eqdist.StudentT,
        dict(df=0.8),
        st.t,
        None,
        mean=np.nan,  # scipy says inf; the mean of t with df <= 1 is undefined
        rtol=1e-9,
    ),
    Case(
        "Pareto-heavy",
        eqdist.Pareto,
        dict(alpha=0.8, scale=1.0),
        lambda alpha, scale: st.pareto(alpha, scale=scale),
        0.5,
    ),
]

QUANTILES = np.array([0.03, 0.2, 0.5, 0.77, 0.96])


def _scipy(case, params=None):
    return case.scipy(**(case.params if params is None else params))


def _values(case):
    return _scipy(case).ppf(QUANTILES)


def _close(actual, expected, rtol):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), expected, rtol=rtol, atol=0, equal_nan=True
    )


@pytest.fixture(params=CASES, ids=repr)
def case(request):
    return request.param


def test_log_prob_matches_scipy_eager_and_jit(case):
    dist = case.make(**case.params)
    x = _values(case)
    expected = _scipy(case).logpdf(x)
    _close(dist.log_prob(x), expected, case.rtol)
    jitted = jax.jit(lambda d, v: d.log_prob(v))(dist, x)
    _close(jitted, np.asarray(dist.log_prob(x)), 1e-14)


def _reference_entropy(case):
    ref = _scipy(case)
    entropy = ref.entropy()
    if np.isnan(entropy):  # scipy's truncnorm entropy is NaN for an infinite bound
        lo, hi = ref.support()
        entropy = integrate.quad(lambda x: -ref.pdf(x) * ref.logpdf(x), lo, hi)[0]
    return entropy


def test_moments_entropy_cdf_icdf(case):
    dist = case.make(**case.params)
    ref = _scipy(case)
    mean = ref.mean() if case.mean is None else case.mean
    variance = ref.var() if case.variance is None else case.variance
    _close(dist.mean, mean, case.rtol)
    _close(dist.variance, variance, case.rtol)
    x = _values(case)
    if hasattr(dist, "entropy"):
        _close(dist.entropy(), _reference_entropy(case), case.rtol)
    if hasattr(dist, "cdf"):
        _close(dist.cdf(x), QUANTILES, case.rtol)
    if hasattr(dist, "icdf"):
        _close(dist.icdf(QUANTILES), x, case.rtol)


@pytest.mark.parametrize("case", MOMENT_ONLY, ids=repr)
def test_undefined_moments(case):
    # inf/nan exactly where the moments do not exist.
    test_moments_entropy_cdf_icdf(case)


def test_available_closed_forms():
    # Members without a closed form raise, rather than returning something wrong.
    assert not hasattr(eqdist.StudentT(3.0), "icdf")
    assert not hasattr(eqdist.TruncatedCauchy(0.0), "entropy")
    with pytest.raises(AttributeError, match="StudentT"):
        eqdist.StudentT(3.0).icdf(0.5)


EAGER_SAMPLE_CASES = ("Cauchy", "Pareto", "Uniform", "TruncatedCauchy-two-sided")


def test_shapes_support_and_goodness_of_fit(case):
    # Shapes for batch (), (3,) and (2, 3), checked by tracing only.
    for batch_shape in [(), (3,), (2, 3)]:
        params = {k: jnp.full(batch_shape, v) for k, v in case.params.items()}
        dist = case.make(**params)
        assert dist.batch_shape == batch_shape and dist.event_shape == ()
        x = jax.eval_shape(lambda d: d.sample(jax.random.key(0), (4,)), dist)
        assert x.shape == (4,) + batch_shape
        lp = jax.eval_shape(lambda d, v: d.log_prob(v), dist, x)
        assert lp.shape == (4,) + batch_shape
    # 2000 draws of a (2, 3) batch of identical distributions: support, finiteness,
    # jit == eager, and a KS test of one batch member (fixed seed).
    dist = case.make(**{k: jnp.full((2, 3), v) for k, v in case.params.items()})

    @jax.jit
    def draw(d, k):
        x = d.sample(k, (2000,))
        return x, d.support(x), d.log_prob(x)

    x, inside, log_p = draw(dist, jax.random.key(1))
    assert x.shape == (2000, 2, 3)
    assert bool(jnp.all(inside))
    assert bool(jnp.all(jnp.isfinite(log_p)))
    if case.name in EAGER_SAMPLE_CASES:  # op-by-op sampling is slow to compile
        eager = dist.sample(jax.random.key(1), (2000,))
        np.testing.assert_allclose(np.asarray(x), np.asarray(eager), rtol=1e-12)
    assert st.kstest(np.asarray(x[:, 1, 2]), _scipy(case).cdf).pvalue > 1e-3


def test_grad_log_prob_matches_finite_differences(case):
    x = jnp.asarray(_values(case))

    def total(params):
        return jnp.sum(case.make(**params).log_prob(x))

    params = {k: jnp.asarray(v) for k, v in case.params.items()}
    grads = jax.jit(jax.grad(total))(params)
    total = jax.jit(total)
    for name in params:

        def one(p, name=name):
            return total(dict(params, **{name: p}))

        expected = finite_difference_grad(one, params[name], eps=1e-6)
        np.testing.assert_allclose(
            grads[name], expected, rtol=1e-6, atol=1e-8, err_msg=name
        )


def test_pathwise_gradient(case):
    # For a fixed key, a reparameterized draw x(theta) keeps F(x(theta); theta) equal
    # to the same uniform, so its total derivative w.r.t. every reparameterized
    # parameter is zero: this holds exactly when dx/dtheta is the correct
    # (implicit) reparameterization gradient -dF/dtheta / p(x). A draw that ignored
    # theta would give a nonzero derivative.
    key = jax.random.key(7)
    params = {k: jnp.asarray(v) for k, v in case.params.items()}
    names = [n for n in case.make(**params).reparametrized_params if n in params]

    def quantiles_and_draws(reparam):
        d = case.make(**dict(params, **reparam))
        x = d.sample(key, (5,))
        return jnp.stack([jnp.sum(d.cdf(x)), jnp.sum(x)])

    reparam = {n: params[n] for n in names}
    jac = jax.jit(jax.jacrev(quantiles_and_draws))(reparam)
    for name in names:
        np.testing.assert_allclose(jac[name][0], 0.0, atol=1e-9, err_msg=name)
        assert np.isfinite(jac[name][1]) and jac[name][1] != 0, name


# One family per kind of parameter layout (plain, dependent support, optional
# `high`): vmap compiles every op again, so the table is not run through it whole.
VMAP_CASES = [
    c
    for c in CASES
    if c.name in ("Cauchy", "Uniform", "Pareto", "TruncatedCauchy-two-sided")
]


@pytest.mark.parametrize("case", VMAP_CASES, ids=repr)
def test_vmap_over_stacked_distributions(case):
    factors = jnp.array([0.9, 1.0, 1.1])
    stacked = {k: v * factors for k, v in case.params.items()}
    dists = jax.vmap(lambda p: case.make(**p))(stacked)
    x = jnp.stack([jnp.asarray(_values(case))] * 3)  # (3, 5)
    vmapped = jax.vmap(lambda d, v: d.log_prob(v))(dists, x)
    batched = case.make(**{k: v[:, None] for k, v in stacked.items()}).log_prob(x)
    np.testing.assert_allclose(vmapped, batched, rtol=1e-12)


def test_float32_close_to_float64(case):
    d64 = case.make(**case.params)
    d32 = case.make(**{k: jnp.float32(v) for k, v in case.params.items()})
    x = _values(case)

    @jax.jit
    def evaluate(d, v):
        return d.log_prob(v), (d.cdf(v) if hasattr(d, "cdf") else v)

    lp32, cdf32 = evaluate(d32, jnp.asarray(x, jnp.float32))
    assert lp32.dtype == cdf32.dtype == jnp.float32
    np.testing.assert_allclose(lp32, d64.log_prob(x), rtol=1e-5, atol=1e-6)
    if hasattr(d32, "cdf"):
        np.testing.assert_allclose(cdf32, QUANTILES, rtol=1e-5)


def test_outside_support_is_minus_inf_with_finite_gradient(case):
    if case.outside is None:
        pytest.skip("support is the real line")
    params = {k: jnp.asarray(v) for k, v in case.params.items()}

    def lp(p):
        return case.make(**p).log_prob(case.outside)

    value, grads = jax.jit(jax.value_and_grad(lp))(params)
    assert value == -jnp.inf
    for name, g in grads.items():
        assert not bool(jnp.isnan(g)), name


VALIDATION = [
    (lambda: eqdist.Cauchy(0.0, -1.0, validate_args=True), "scale"),
    (lambda: eqdist.HalfCauchy(0.0, validate_args=True), "scale"),
    (lambda: eqdist.HalfNormal(-2.0, validate_args=True), "scale"),
    (lambda: eqdist.LogNormal(0.0, 0.0, validate_args=True), "scale"),
    (lambda: eqdist.StudentT(-1.0, validate_args=True), "df"),
    (lambda: eqdist.Pareto(0.0, validate_args=True), "alpha"),
    (lambda: eqdist.Pareto(1.0, -1.0, validate_args=True), "scale"),
    (lambda: eqdist.Uniform(2.0, 1.0, validate_args=True), "high"),
    (lambda: eqdist.TruncatedNormal(1.0, high=0.0, validate_args=True), "high"),
    (lambda: eqdist.TruncatedNormal(scale=-1.0, validate_args=True), "scale"),
    (lambda: eqdist.TruncatedCauchy(1.0, high=1.0, validate_args=True), "high"),
    (lambda: eqdist.TruncatedCauchy(jnp.inf, validate_args=True), "low"),
]


@pytest.mark.parametrize("build, name", VALIDATION)
def test_validate_args_names_the_parameter(build, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        build()


def test_validate_args_under_jit_fails_loudly():
    @jax.jit
    def f(low, high):
        return eqdist.Uniform(low, high, validate_args=True).log_prob(0.5)

    assert np.isfinite(f(0.0, 1.0))
    with pytest.raises(Exception, match="high"):
        jax.block_until_ready(f(1.0, 0.0))


def test_validated_log_prob_rejects_outside_values():
    with pytest.raises(ValueError, match="outside the support"):
        eqdist.Pareto(2.0, 1.0, validate_args=True).log_prob(0.5)
    # The bound itself belongs to Pareto's (closed) support.
    assert np.isfinite(eqdist.Pareto(2.0, 1.0, validate_args=True).log_prob(1.0))
