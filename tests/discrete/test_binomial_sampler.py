"""The vectorised binomial sampler (eqdist/discrete/_binomial_sampler.py): chi-square
goodness of fit across its regimes, in float64 and in float32 (x64 off, as the
benchmarks run), and its rejection redraws for small and large batches."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
import scipy.stats
from discrete_helpers import chisquare_frozen

import eqdist
from eqdist.discrete._binomial_sampler import sample_binomial

# One batch mixing every regime: n = 0 and 1, inversion (np < 10, also with p near
# 0 and a large n), the BTRS threshold (np = 10 and just above), BTRS at moderate and
# huge n, p near 1 (drawn as n minus a small-p draw).
COUNTS = np.array([0, 1, 7, 20, 5000, 200, 35, 1000, 10**6, 3000, 400])
PROBS = np.array([0.3, 0.5, 0.02, 0.3, 1e-3, 0.05, 0.29, 0.3, 0.3, 0.999, 0.6])


def _check(x, counts, probs):
    x = np.asarray(x)
    assert np.issubdtype(x.dtype, np.integer)
    assert np.all((x >= 0) & (x <= counts))
    for i, (n, p) in enumerate(zip(counts, probs)):
        if n == 0:
            assert np.all(x[:, i] == 0)
            continue
        frozen = scipy.stats.binom(n, p)
        assert chisquare_frozen(x[:, i], frozen) > 1e-3, (n, p)


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_goodness_of_fit_float64(kind, getkey):
    param = PROBS if kind == "probs" else scipy.special.logit(PROBS)
    d = eqdist.Binomial(jnp.asarray(COUNTS), **{kind: jnp.asarray(param)})
    _check(d.sample(getkey(), (3000,)), COUNTS, PROBS)


def test_goodness_of_fit_float32_without_x64(getkey):
    key = getkey()
    with jax.enable_x64(False):
        probs = jnp.asarray(PROBS, jnp.float32)
        d = eqdist.Binomial(jnp.asarray(COUNTS, jnp.int32), probs=probs)
        x = jax.jit(lambda k: d.sample(k, (3000,)))(key)
        assert x.dtype == jnp.int32
        x = np.asarray(x)
    _check(x, COUNTS, np.asarray(PROBS, np.float32).astype(np.float64))


def test_small_batch_redraws(getkey):
    # Below 256 lanes every lane is redrawn in one loop (larger batches gather their
    # rejected lanes into a buffer: the tests above). BTRS rejects about one
    # proposal in seven, so the loop runs here.
    key = getkey()
    n = jnp.array([1000.0])
    p = jnp.array([0.3])
    x = np.asarray(sample_binomial(key, n, p, (200,)))
    assert x.shape == (200,) and np.all(x == np.floor(x))
    assert np.all((x >= 0) & (x <= 1000))
    np.testing.assert_array_equal(sample_binomial(key, n, p, (200,)), x)
    assert chisquare_frozen(x, scipy.stats.binom(1000, 0.3), nbins=5) > 1e-3


def test_poisson_goodness_of_fit_and_nan(getkey):
    # Inversion below rate 10 (also just below), PTRS from 10 on, up to 1e5; a NaN
    # rate (validation off) draws -1 instead of looping forever, also in a binomial.
    rates = np.array([0.5, 3.0, 9.9, 10.0, 30.0, 300.0, 1e5, np.nan])
    x = np.asarray(eqdist.Poisson(rates, validate_args=False).sample(getkey(), (3000,)))
    assert np.issubdtype(x.dtype, np.integer)
    assert np.all(x[:, -1] == -1) and np.all(x[:, :-1] >= 0)
    for i, rate in enumerate(rates[:-1]):
        frozen = scipy.stats.poisson(rate)
        assert chisquare_frozen(x[:, i], frozen) > 1e-3, rate
    d = eqdist.Binomial(10, probs=jnp.array([np.nan, 0.5]), validate_args=False)
    y = np.asarray(d.sample(getkey(), (5,)))
    assert np.all(y[:, 0] == -1) and np.all((y[:, 1] >= 0) & (y[:, 1] <= 10))
