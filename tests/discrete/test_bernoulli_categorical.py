"""Bernoulli and Categorical: exact log masses, moments, samplers, transforms."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
import scipy.stats
from discrete_helpers import chisquare_counts
from helpers import finite_difference_grad

import eqdist

PROBS = np.array([[0.1, 0.5, 0.9], [0.02, 0.3, 0.995]])
LOGITS = np.array([[-3.0, 0.0, 2.5], [80.0, -80.0, 0.7]])
MODERATE_LOGITS = np.array([[-3.0, 0.0, 2.5], [1.0, -1.5, 0.7]])
CAT_LOGITS = (
    np.array(
        [[[0.3, -1.0, 2.0, 0.0], [80.0, -80.0, 0.0, 1.0], [-5.0, 5.0, 0.1, 0.2]]] * 2
    )
    + np.arange(6).reshape(2, 3, 1) / 7
)
CAT_PROBS = scipy.special.softmax(CAT_LOGITS, axis=-1)
# Without a near-certain category, for goodness-of-fit tests.
GOF_CAT_LOGITS = CAT_LOGITS.copy()
GOF_CAT_LOGITS[:, 1] = [2.0, -1.0, 0.0, 1.0]
GOF_CAT_PROBS = scipy.special.softmax(GOF_CAT_LOGITS, axis=-1)


def _bernoulli(kind, params):
    return eqdist.Bernoulli(**{kind: jnp.asarray(params)})


def _categorical(kind, params):
    return eqdist.Categorical(**{kind: jnp.asarray(params)})


def test_factories_need_exactly_one_parameter():
    for factory in (eqdist.Bernoulli, eqdist.Categorical):
        name = factory.__name__
        with pytest.raises(ValueError, match=rf"{name}.*both"):
            factory(probs=jnp.array([0.5, 0.5]), logits=jnp.array([0.0, 0.0]))
        with pytest.raises(ValueError, match=rf"{name}.*neither"):
            factory()
    assert isinstance(eqdist.Bernoulli(probs=0.3), eqdist.BernoulliProbs)
    assert isinstance(eqdist.Bernoulli(logits=0.3), eqdist.BernoulliLogits)
    assert isinstance(
        eqdist.Categorical(probs=jnp.ones(3) / 3), eqdist.CategoricalProbs
    )
    assert isinstance(eqdist.Categorical(logits=jnp.ones(3)), eqdist.CategoricalLogits)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_bernoulli_log_prob_moments_entropy(kind):
    params = PROBS if kind == "probs" else MODERATE_LOGITS
    p = params if kind == "probs" else scipy.special.expit(params)
    d = _bernoulli(kind, params)
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    for x in (0, 1):
        ref = scipy.stats.bernoulli.logpmf(x, p)
        got = d.log_prob(jnp.full((2, 3), x))
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=0)
        assert np.all(np.isfinite(got))
    np.testing.assert_allclose(d.mean, p, rtol=1e-12)
    np.testing.assert_allclose(d.variance, p * (1 - p), rtol=1e-10)
    np.testing.assert_allclose(d.entropy(), scipy.stats.bernoulli.entropy(p), rtol=1e-9)
    # probs and logits both exposed, consistent with each other.
    np.testing.assert_allclose(d.probs, p, rtol=1e-12)
    np.testing.assert_allclose(scipy.special.expit(d.logits), p, rtol=1e-12)


def test_bernoulli_extreme_logits_are_exact():
    d = eqdist.BernoulliLogits(jnp.array([80.0, -80.0]))
    tiny = np.exp(-80.0)  # log1p(e^-80) == e^-80 in double precision
    np.testing.assert_allclose(
        d.log_prob(jnp.array([1, 0])), [-tiny, -tiny], rtol=1e-12
    )
    np.testing.assert_allclose(
        d.log_prob(jnp.array([0, 1])), [-80.0, -80.0], rtol=1e-14
    )
    # The entropy is tiny but exact, not a cancellation to 0 or a NaN.
    np.testing.assert_allclose(d.entropy(), 81 * tiny, rtol=1e-10)
    np.testing.assert_allclose(d.variance, tiny, rtol=1e-10)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_categorical_log_prob_entropy_probs_logits(kind):
    params = CAT_PROBS if kind == "probs" else CAT_LOGITS
    log_p = scipy.special.log_softmax(CAT_LOGITS, axis=-1)
    d = _categorical(kind, params)
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    for x in range(4):
        got = d.log_prob(jnp.full((2, 3), x))
        np.testing.assert_allclose(got, log_p[..., x], rtol=1e-10)
        assert np.all(np.isfinite(got))
    # Values broadcast against the batch: shape (5, 2, 3).
    values = np.arange(5 * 6).reshape(5, 2, 3) % 4
    expected = np.take_along_axis(
        np.broadcast_to(log_p, (5, 2, 3, 4)), values[..., None], -1
    )[..., 0]
    np.testing.assert_allclose(d.log_prob(values), expected, rtol=1e-10)
    entropy = scipy.stats.entropy(CAT_PROBS, axis=-1)
    np.testing.assert_allclose(d.entropy(), entropy, rtol=1e-9)
    np.testing.assert_allclose(d.probs, CAT_PROBS, rtol=1e-10)
    np.testing.assert_allclose(jax.nn.softmax(d.logits), CAT_PROBS, rtol=1e-10)
    assert np.all(np.isnan(d.mean)) and d.mean.shape == (2, 3)
    assert np.all(np.isnan(d.variance))


def test_categorical_many_categories_extreme_logits():
    logits = jnp.concatenate([jnp.array([80.0, -80.0]), jnp.linspace(-3, 3, 998)])
    d = eqdist.CategoricalLogits(logits)
    ref = scipy.special.log_softmax(np.asarray(logits))
    np.testing.assert_allclose(d.log_prob(jnp.arange(1000)), ref, rtol=1e-10)


def test_enumerate_support():
    b = eqdist.Bernoulli(probs=jnp.full((2, 3), 0.4))
    assert b.enumerate_support().shape == (2, 2, 3)
    assert b.enumerate_support(expand=False).shape == (2, 1, 1)
    np.testing.assert_array_equal(b.enumerate_support()[:, 1, 2], [0, 1])
    c = eqdist.Categorical(logits=jnp.zeros((3, 4)))
    assert c.enumerate_support().shape == (4, 3)
    assert c.enumerate_support(expand=False).shape == (4, 1)
    np.testing.assert_array_equal(c.enumerate_support()[:, 0], np.arange(4))
    # The enumerated masses sum to one.
    total = jax.scipy.special.logsumexp(c.log_prob(c.enumerate_support()), axis=0)
    np.testing.assert_allclose(total, 0.0, atol=1e-12)
    assert not hasattr(eqdist.Poisson(1.0), "enumerate_support")


@pytest.mark.parametrize(
    "cls, param",
    [
        (eqdist.BernoulliProbs, [0.2, 0.7]),
        (eqdist.BernoulliLogits, [0.2, -1.0]),
        (eqdist.CategoricalProbs, [[0.2, 0.3, 0.5]] * 2),
        (eqdist.CategoricalLogits, [[0.2, -1.0, 0.0]] * 2),
    ],
)
def test_outside_support(cls, param):
    param = jnp.asarray(param)
    for bad in ([-1.0, 0.5], [3.0, 7.0]):
        assert np.all(cls(param).log_prob(jnp.array(bad)) == -np.inf)
    grad = jax.grad(lambda q: cls(q).log_prob(jnp.array([-1.0, 0.5])).sum())(param)
    assert np.all(grad == 0)
    strict = cls(param, validate_args=True)
    np.testing.assert_allclose(
        strict.log_prob(jnp.array([0, 1])), cls(param).log_prob(jnp.array([0, 1]))
    )
    with pytest.raises(ValueError, match=rf"{cls.__name__}.*outside the support"):
        strict.log_prob(jnp.array([0.0, 3.0]))


def test_parameter_validation():
    with pytest.raises(ValueError, match=r"BernoulliProbs.*probs"):
        eqdist.Bernoulli(probs=1.5, validate_args=True)
    with pytest.raises(ValueError, match=r"CategoricalProbs.*probs"):
        eqdist.Categorical(probs=jnp.array([0.5, 0.6]), validate_args=True)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_bernoulli_goodness_of_fit(kind, getkey):
    params = PROBS if kind == "probs" else MODERATE_LOGITS
    p = params if kind == "probs" else scipy.special.expit(params)
    x = np.asarray(_bernoulli(kind, params).sample(getkey(), (4000,)))
    assert x.shape == (4000, 2, 3) and np.issubdtype(x.dtype, np.integer)
    assert np.all((x == 0) | (x == 1))
    for i in np.ndindex(2, 3):
        ones = x[(slice(None),) + i].sum()
        pvalue = chisquare_counts([4000 - ones, ones], [1 - p[i], p[i]])
        assert pvalue > 1e-3, (i, pvalue)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_categorical_goodness_of_fit(kind, getkey):
    params = GOF_CAT_PROBS if kind == "probs" else GOF_CAT_LOGITS
    x = np.asarray(_categorical(kind, params).sample(getkey(), (3000,)))
    assert x.shape == (3000, 2, 3) and np.issubdtype(x.dtype, np.integer)
    assert np.all((x >= 0) & (x < 4))
    for i in np.ndindex(2, 3):
        counts = np.bincount(x[(slice(None),) + i], minlength=4)
        pvalue = chisquare_counts(counts, GOF_CAT_PROBS[i])
        assert pvalue > 1e-3, (i, pvalue)


@pytest.mark.parametrize("batch", [(), (3,)])  # (2, 3): the goodness-of-fit tests
def test_sample_shapes(batch, getkey):
    d = eqdist.Bernoulli(probs=jnp.full(batch, 0.3))
    assert d.sample(getkey(), (4,)).shape == (4,) + batch
    c = eqdist.Categorical(logits=jnp.zeros(batch + (5,)))
    assert c.sample(getkey(), (4,)).shape == (4,) + batch
    assert c.log_prob(c.sample(getkey(), (4,))).shape == (4,) + batch
    # A raw uint32[2] key works too.
    assert c.sample(jax.random.PRNGKey(1)).shape == batch


def test_float32():
    d = eqdist.Bernoulli(logits=jnp.array([0.5, -80.0], dtype=jnp.float32))
    assert d.log_prob(jnp.array([1, 1])).dtype == jnp.float32
    assert np.all(np.isfinite(d.log_prob(jnp.array([1, 1]))))
    c = eqdist.Categorical(logits=jnp.array([80.0, -80.0, 0.0], dtype=jnp.float32))
    assert c.log_prob(1).dtype == jnp.float32
    np.testing.assert_allclose(c.log_prob(1), -160.0, rtol=1e-6)


@pytest.mark.parametrize(
    "cls, params, values",
    [
        (eqdist.BernoulliProbs, PROBS, np.array([[0, 1, 1], [1, 0, 1]])),
        (eqdist.BernoulliLogits, LOGITS, np.array([[0, 1, 1], [1, 0, 1]])),
        (eqdist.CategoricalProbs, GOF_CAT_PROBS, np.array([[0, 1, 3], [2, 1, 0]])),
        (eqdist.CategoricalLogits, CAT_LOGITS, np.array([[0, 1, 3], [2, 1, 0]])),
    ],
)
def test_jit_vmap_grad(cls, params, values):
    params = jnp.asarray(params)
    d = cls(params)
    eager = d.log_prob(values)
    jitted = eqx.filter_jit(lambda d, v: d.log_prob(v))(d, values)
    np.testing.assert_allclose(jitted, eager, rtol=1e-14)
    flat = params.reshape((6,) + params.shape[2:])
    dists = jax.vmap(cls)(flat)
    mapped = jax.vmap(lambda d, v: d.log_prob(v))(dists, values.reshape(6))
    np.testing.assert_allclose(mapped.reshape(2, 3), eager, rtol=1e-14)
    assert dists.batch_shape == (6,) + () and d.batch_shape == (2, 3)

    def total(q):
        return cls(q).log_prob(values).sum()

    grad = jax.jit(jax.grad(total))(params)
    fd = finite_difference_grad(jax.jit(total), params, eps=1e-7)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)
