"""Binomial and Multinomial: exact log masses (also at a million trials), integer
counts, support, samplers, transforms."""

import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
import scipy.stats
from discrete_helpers import chisquare_counts, chisquare_frozen, exact_binomial_logpmf
from helpers import finite_difference_grad

import eqdist

COUNTS = np.array([[10, 10, 10], [3, 25, 1]])
PROBS = np.array([[0.3, 0.05, 0.9], [0.5, 0.7, 0.2]])
LOGITS = scipy.special.logit(PROBS)


def _binomial(kind, counts, probs):
    param = probs if kind == "probs" else scipy.special.logit(probs)
    return eqdist.Binomial(jnp.asarray(counts), **{kind: jnp.asarray(param)})


def test_factories_need_exactly_one_parameter():
    for factory in (eqdist.Binomial, eqdist.Multinomial):
        name = factory.__name__
        with pytest.raises(ValueError, match=rf"{name}.*both"):
            factory(3, probs=jnp.array([0.5, 0.5]), logits=jnp.array([0.0, 0.0]))
        with pytest.raises(ValueError, match=rf"{name}.*neither"):
            factory(3)
    assert isinstance(eqdist.Binomial(3, probs=0.3), eqdist.BinomialProbs)
    assert isinstance(eqdist.Binomial(3, logits=0.3), eqdist.BinomialLogits)
    m = eqdist.Multinomial(3, logits=jnp.zeros(4))
    assert isinstance(m, eqdist.MultinomialLogits)
    assert isinstance(
        eqdist.Multinomial(probs=jnp.ones(2) / 2), eqdist.MultinomialProbs
    )


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_binomial_log_prob_and_moments(kind):
    d = _binomial(kind, COUNTS, PROBS)
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    values = np.arange(26).reshape(26, 1, 1) % (COUNTS + 1)
    ref = scipy.stats.binom.logpmf(values, COUNTS, PROBS)
    got = d.log_prob(values)
    assert got.shape == (26, 2, 3)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    np.testing.assert_allclose(d.mean, COUNTS * PROBS, rtol=1e-12)
    np.testing.assert_allclose(d.variance, COUNTS * PROBS * (1 - PROBS), rtol=1e-10)
    np.testing.assert_allclose(d.probs, PROBS, rtol=1e-12)
    np.testing.assert_allclose(scipy.special.expit(d.logits), PROBS, rtol=1e-12)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_binomial_million_trials_is_exact(kind):
    # scipy is itself off by ~1e-10 here; the reference is exact (50 digits).
    n, p = 10**6, 0.3
    ks = [0, 5, 290_000, 299_000, 300_000, 300_100, 301_000, 310_000, 10**6]
    ref = np.array([exact_binomial_logpmf(k, n, p) for k in ks[1:-1]])
    ref = np.concatenate([[n * np.log1p(-p)], ref, [n * np.log(p)]])
    param = p if kind == "probs" else np.log(p) - np.log1p(-p)
    got = eqdist.Binomial(n, **{kind: param}).log_prob(jnp.array(ks))
    np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_binomial_extreme_logits_and_edges():
    d = eqdist.BinomialLogits(jnp.array([80.0, -80.0]), 10)
    k = jnp.array([[0, 0], [5, 5], [10, 10]])
    got = np.asarray(d.log_prob(k))
    assert np.all(np.isfinite(got))
    # k = 10 at logit 80: 10 log sigmoid(80) = -10 e^-80; k = 0 at logit 80: -800.
    np.testing.assert_allclose(got[2, 0], -10 * np.exp(-80.0), rtol=1e-12)
    np.testing.assert_allclose(got[0, 0], -800.0, rtol=1e-14)
    np.testing.assert_allclose(
        got[1, 0], np.log(252) - 400 - 5 * np.exp(-80), rtol=1e-12
    )
    # probs exactly 0 or 1: the mass sits on one count.
    edge = eqdist.BinomialProbs(jnp.array([0.0, 1.0]), 4)
    np.testing.assert_array_equal(edge.log_prob(jnp.array([0, 4])), [0.0, 0.0])
    np.testing.assert_array_equal(edge.log_prob(jnp.array([1, 3])), [-np.inf, -np.inf])
    assert eqdist.Binomial(0, probs=0.3).log_prob(0) == 0.0


def test_total_count_is_an_integer_leaf():
    d = eqdist.Binomial(jnp.array([3.0, 5.0]), probs=0.3)
    assert jnp.issubdtype(d.total_count.dtype, jnp.integer)
    assert d.total_count.shape == (2,) and d.probs.shape == (2,)
    params, _ = eqx.partition(d, eqx.is_inexact_array)
    assert params.total_count is None and params.probs is not None
    m = eqdist.Multinomial(jnp.array([3, 4]), probs=jnp.ones(3) / 3)
    assert jnp.issubdtype(m.total_count.dtype, jnp.integer)
    assert m.total_count.shape == (2,) and m.probs.shape == (2, 3)
    with pytest.raises(ValueError, match=r"BinomialProbs.*total_count.*whole"):
        eqdist.Binomial(2.5, probs=0.3)
    with pytest.raises(ValueError, match=r"BinomialLogits.*total_count"):
        eqdist.Binomial(-1, logits=0.3, validate_args=True)
    with pytest.raises(ValueError, match=r"MultinomialProbs.*probs"):
        eqdist.Multinomial(3, probs=jnp.array([0.5, 0.6]), validate_args=True)


def test_binomial_enumerate_support():
    d = eqdist.Binomial(jnp.full((2, 3), 4), probs=jnp.full((2, 3), 0.3))
    support = d.enumerate_support()
    assert support.shape == (5, 2, 3)
    assert d.enumerate_support(expand=False).shape == (5, 1, 1)
    np.testing.assert_array_equal(support[:, 1, 2], np.arange(5))
    total = jax.scipy.special.logsumexp(d.log_prob(support), axis=0)
    np.testing.assert_allclose(total, 0.0, atol=1e-12)
    with pytest.raises(ValueError, match=r"BinomialLogits.*homogeneous"):
        eqdist.Binomial(jnp.array([2, 3]), logits=0.0).enumerate_support()
    with pytest.raises(ValueError, match=r"BinomialProbs.*concrete"):
        jax.jit(lambda n: eqdist.Binomial(n, probs=0.3).enumerate_support())(3)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_binomial_outside_support(kind):
    d = _binomial(kind, np.array([4, 4]), np.array([0.3, 0.6]))
    for bad in ([-1, 5], [0.5, 2.5], [7, -3]):
        np.testing.assert_array_equal(d.log_prob(jnp.array(bad)), [-np.inf, -np.inf])
    name = kind
    param = getattr(d, name)

    def f(q):
        return type(d)(q, d.total_count).log_prob(jnp.array([-1.0, 4.5])).sum()

    assert np.all(jax.grad(f)(param) == 0)
    strict = type(d)(param, d.total_count, validate_args=True)
    with pytest.raises(ValueError, match="outside the support"):
        strict.log_prob(jnp.array([1, 5]))


# One batch (2, 3) of small and large counts (inversion and BTRS), p near 1 and a
# count of 10**6; every draw below has the shape (2000, 2, 3) (one compilation).
GOF_COUNTS = np.array([[10, 10**6, 1000], [40, 3, 25]])
GOF_PROBS = np.array([[0.3, 0.3, 0.97], [0.8, 0.5, 0.7]])


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_binomial_goodness_of_fit(kind, getkey):
    x = np.asarray(_binomial(kind, GOF_COUNTS, GOF_PROBS).sample(getkey(), (2000,)))
    assert x.shape == (2000, 2, 3) and np.issubdtype(x.dtype, np.integer)
    assert np.all((x >= 0) & (x <= GOF_COUNTS))
    for i in np.ndindex(2, 3):
        frozen = scipy.stats.binom(GOF_COUNTS[i], GOF_PROBS[i])
        assert chisquare_frozen(x[(slice(None),) + i], frozen) > 1e-3, i


def test_binomial_degenerate_samples(getkey):
    # Zero / one probabilities and zero trials give constants (and terminate).
    counts = np.array([[50, 50, 0], [20, 20, 0]])
    d = eqdist.BinomialProbs(jnp.array([[0.0, 1.0, 0.5]] * 2), jnp.asarray(counts))
    expected = np.broadcast_to(counts * [0, 1, 1], (2000, 2, 3))
    np.testing.assert_array_equal(d.sample(getkey(), (2000,)), expected)
    d = eqdist.BinomialLogits(jnp.array([[-80.0, 80.0, 0.0]] * 2), jnp.asarray(counts))
    np.testing.assert_array_equal(d.sample(getkey(), (2000,)), expected)


MULTI_PROBS = np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_multinomial_log_prob_and_moments(kind):
    param = MULTI_PROBS if kind == "probs" else np.log(MULTI_PROBS) + 1.3
    d = eqdist.Multinomial(jnp.array([5, 7]), **{kind: jnp.asarray(param)})
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    values = np.array([[[1, 1, 3], [7, 0, 0]], [[0, 0, 5], [2, 2, 3]]])
    ref = [
        [
            scipy.stats.multinomial.logpmf(v, n, p)
            for v, n, p in zip(row, [5, 7], MULTI_PROBS)
        ]
        for row in values
    ]
    got = d.log_prob(values)
    assert got.shape == (2, 2)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    np.testing.assert_allclose(d.mean, [[1.0, 1.5, 2.5], [4.2, 0.7, 2.1]], rtol=1e-12)
    np.testing.assert_allclose(
        d.variance, np.array([[5], [7]]) * MULTI_PROBS * (1 - MULTI_PROBS), rtol=1e-10
    )
    np.testing.assert_allclose(d.probs, MULTI_PROBS, rtol=1e-12)
    np.testing.assert_allclose(jax.nn.softmax(d.logits), MULTI_PROBS, rtol=1e-12)


def test_multinomial_thousand_categories_and_extreme_logits():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(1000))
    counts = rng.multinomial(5000, probs)
    ref = scipy.stats.multinomial.logpmf(counts, 5000, probs)
    got_p = eqdist.Multinomial(5000, probs=jnp.asarray(probs)).log_prob(counts)
    got_l = eqdist.Multinomial(5000, logits=jnp.log(probs) - 3).log_prob(counts)
    np.testing.assert_allclose(got_p, ref, rtol=1e-10)
    np.testing.assert_allclose(got_l, ref, rtol=1e-10)
    extreme = eqdist.MultinomialLogits(jnp.array([80.0, -80.0, 0.0]), 3)
    got = extreme.log_prob(jnp.array([[3, 0, 0], [0, 3, 0], [1, 1, 1]]))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got[1], -480.0, rtol=1e-12)
    np.testing.assert_allclose(got[2], np.log(6) - 240.0, rtol=1e-12)


def test_multinomial_outside_support():
    d = eqdist.Multinomial(jnp.array([4, 4]), probs=jnp.asarray(MULTI_PROBS))
    bad = jnp.array([[[1, 1, 1], [5, 0, 0]], [[-1, 2, 3], [1.5, 1.5, 1]]])
    np.testing.assert_array_equal(d.log_prob(bad), np.full((2, 2), -np.inf))
    grad = jax.grad(lambda q: type(d)(q, d.total_count).log_prob(bad).sum())(d.probs)
    assert np.all(grad == 0)
    strict = type(d)(d.probs, d.total_count, validate_args=True)
    with pytest.raises(ValueError, match=r"MultinomialProbs.*outside the support"):
        strict.log_prob(jnp.array([[1, 1, 2], [2, 2, 1]]))


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_multinomial_goodness_of_fit(kind, getkey):
    # Batch (2, 3): 4 trials (joint test over all 15 outcomes), a million trials
    # (marginals), 0 and 1 trial; a zero-probability category. Both kinds draw
    # with the same shapes, so the sampler compiles once.
    probs = np.array([0.2, 0.3, 0.0, 0.5])
    counts = np.array([[4, 10**6, 0], [7, 10**6, 1]])
    with np.errstate(divide="ignore"):  # a -inf logit masks the category
        param = probs if kind == "probs" else np.log(probs)
    d = eqdist.Multinomial(jnp.asarray(counts), **{kind: jnp.asarray(param)})
    assert d.batch_shape == (2, 3) and d.event_shape == (4,)
    x = np.asarray(d.sample(getkey(), (2000,)))
    assert x.shape == (2000, 2, 3, 4) and np.issubdtype(x.dtype, np.integer)
    np.testing.assert_array_equal(x.sum(-1), np.broadcast_to(counts, (2000, 2, 3)))
    assert np.all(x[..., 2] == 0) and np.all(x >= 0)
    assert np.all(np.isfinite(d.log_prob(x[:2])))
    outcomes = [c for c in itertools.product(range(5), repeat=3) if sum(c) == 4]
    joint = x[:, 0, 0][:, [0, 1, 3]]
    observed = [np.sum(np.all(joint == c, axis=-1)) for c in outcomes]
    assert sum(observed) == 2000
    expected = [scipy.stats.multinomial.pmf(c, 4, probs[[0, 1, 3]]) for c in outcomes]
    assert chisquare_counts(observed, expected) > 1e-3
    for i in [(0, 1), (1, 1), (1, 0)]:
        for j in (0, 1, 3):
            frozen = scipy.stats.binom(counts[i], probs[j])
            assert chisquare_frozen(x[(slice(None),) + i + (j,)], frozen) > 1e-3


@pytest.mark.parametrize(
    "cls, param, values",
    [
        (eqdist.BinomialProbs, PROBS, np.array([[0, 1, 10], [3, 12, 0]])),
        (eqdist.BinomialLogits, LOGITS, np.array([[0, 1, 10], [3, 12, 0]])),
        (eqdist.MultinomialProbs, np.tile(MULTI_PROBS, (3, 1, 1)), None),
        (eqdist.MultinomialLogits, np.log(np.tile(MULTI_PROBS, (3, 1, 1))), None),
    ],
)
def test_jit_vmap_grad(cls, param, values):
    param = jnp.asarray(param)
    if values is None:  # multinomial, batch (3, 2), 4 trials
        counts = np.full((3, 2), 4)
        values = np.broadcast_to(np.array([[1, 1, 2], [0, 4, 0]]), (3, 2, 3))
    else:
        counts = COUNTS
    d = cls(param, counts)
    eager = d.log_prob(values)
    jitted = eqx.filter_jit(lambda d, v: d.log_prob(v))(d, values)
    np.testing.assert_allclose(jitted, eager, rtol=1e-14)
    n_batch = 6
    flat_param = param.reshape((n_batch,) + param.shape[2:])
    dists = jax.vmap(cls)(flat_param, counts.reshape(n_batch))
    flat_values = values.reshape((n_batch,) + values.shape[2:])
    mapped = jax.vmap(lambda d, v: d.log_prob(v))(dists, flat_values)
    np.testing.assert_allclose(mapped.reshape(eager.shape), eager, rtol=1e-14)

    def total(q):
        return cls(q, counts).log_prob(values).sum()

    grad = jax.jit(jax.grad(total))(param)
    fd = finite_difference_grad(jax.jit(total), param, eps=1e-7)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)


def test_float32():
    d = eqdist.Binomial(10**6, logits=jnp.float32(-0.8472979))
    out = d.log_prob(300_000)
    assert out.dtype == jnp.float32
    np.testing.assert_allclose(
        out, exact_binomial_logpmf(300_000, 10**6, 0.3), rtol=1e-4
    )
