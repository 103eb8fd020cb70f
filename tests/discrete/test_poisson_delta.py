"""Poisson, Delta and PRNGIdentity."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from discrete_helpers import chisquare_frozen, exact_poisson_logpmf
from helpers import finite_difference_grad

import eqdist

RATES = np.array([[0.5, 3.5, 9.0], [12.0, 150.0, 2.0]])


def test_poisson_log_prob_moments_cdf():
    d = eqdist.Poisson(jnp.asarray(RATES))
    assert d.batch_shape == (2, 3) and d.event_shape == ()
    values = np.arange(0, 200, 9).reshape(-1, 1, 1)
    np.testing.assert_allclose(
        d.log_prob(values), scipy.stats.poisson.logpmf(values, RATES), rtol=1e-10
    )
    np.testing.assert_allclose(d.mean, RATES, rtol=1e-14)
    np.testing.assert_allclose(d.variance, RATES, rtol=1e-14)
    cdf_values = np.array([-1.0, 0.0, 2.5, 10.0, 160.0]).reshape(-1, 1, 1)
    np.testing.assert_allclose(
        d.cdf(cdf_values), scipy.stats.poisson.cdf(cdf_values, RATES), rtol=1e-10
    )


@pytest.mark.parametrize(
    "rate, ks",
    [
        (1e4, [0, 3, 9000, 9900, 10000, 10050, 11000]),
        (1e-8, [0, 1, 2, 10]),
    ],
)
def test_poisson_extreme_rates_are_exact(rate, ks):
    ref = [exact_poisson_logpmf(k, rate) for k in ks]
    got = eqdist.Poisson(rate).log_prob(jnp.array(ks))
    np.testing.assert_allclose(got, ref, rtol=1e-13)


def test_poisson_outside_support():
    d = eqdist.Poisson(jnp.array([2.0, 3.0]))
    for bad in ([-1, 0.5], [2.5, -3]):
        np.testing.assert_array_equal(d.log_prob(jnp.array(bad)), [-np.inf, -np.inf])
    grad = jax.grad(lambda r: eqdist.Poisson(r).log_prob(jnp.array([-1.0, 0.5])).sum())
    assert np.all(grad(d.rate) == 0)
    with pytest.raises(ValueError, match=r"Poisson.*outside the support"):
        eqdist.Poisson(d.rate, validate_args=True).log_prob(jnp.array([1, -2]))
    with pytest.raises(ValueError, match=r"Poisson.*rate"):
        eqdist.Poisson(jnp.array([1.0, 0.0]), validate_args=True)


def test_poisson_goodness_of_fit(getkey):
    # Small, moderate, large (rejection sampler) and tiny rates in one batch (2, 3).
    rates = np.array([[0.5, 3.5, 9.0], [1e4, 150.0, 1e-8]])
    x = np.asarray(eqdist.Poisson(jnp.asarray(rates)).sample(getkey(), (2000,)))
    assert x.shape == (2000, 2, 3)
    assert np.issubdtype(x.dtype, np.integer) and x.min() >= 0
    for i in [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]:
        pvalue = chisquare_frozen(x[(slice(None),) + i], scipy.stats.poisson(rates[i]))
        assert pvalue > 1e-3, i
    # Rate 1e-8: P(k > 0) = 1e-8, so 2000 draws are all zero.
    assert np.all(x[:, 1, 2] == 0)


def test_poisson_jit_vmap_grad():
    rates = jnp.asarray(RATES)
    values = np.array([[0, 4, 7], [15, 140, 0]])
    d = eqdist.Poisson(rates)
    eager = d.log_prob(values)
    jitted = eqx.filter_jit(lambda d, v: d.log_prob(v))(d, values)
    np.testing.assert_allclose(jitted, eager, rtol=1e-14)
    dists = jax.vmap(eqdist.Poisson)(rates.reshape(6))
    mapped = jax.vmap(lambda d, v: d.log_prob(v))(dists, values.reshape(6))
    np.testing.assert_allclose(mapped.reshape(2, 3), eager, rtol=1e-14)

    def total(r):
        return eqdist.Poisson(r).log_prob(values).sum()

    grad = jax.jit(jax.grad(total))(rates)
    np.testing.assert_allclose(grad, values / RATES - 1, rtol=1e-10)
    fd = finite_difference_grad(jax.jit(total), rates, eps=1e-6)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


def test_delta():
    value = jnp.arange(6.0).reshape(2, 3)
    d = eqdist.Delta(value, jnp.array([0.5, -1.0]), event_ndim=1)
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    assert d.log_density.shape == (2,)
    x = d.sample(jax.random.key(0), (4,))
    assert x.shape == (4, 2, 3)
    np.testing.assert_array_equal(x, np.broadcast_to(value, (4, 2, 3)))
    np.testing.assert_array_equal(d.log_prob(x), np.broadcast_to([0.5, -1.0], (4, 2)))
    other = value.at[1, 2].add(1e-9)
    np.testing.assert_array_equal(d.log_prob(other), [0.5, -np.inf])
    np.testing.assert_array_equal(d.mean, value)
    np.testing.assert_array_equal(d.variance, np.zeros((2, 3)))
    assert d.log_prob(jnp.full((2, 3), jnp.nan)).tolist() == [-np.inf, -np.inf]
    # Scalar events, defaults.
    s = eqdist.Delta()
    assert s.batch_shape == () and s.event_shape == () and s.log_prob(0.0) == 0.0
    assert s.log_prob(1.0) == -np.inf
    # log_density is a trainable leaf, event_ndim static; the sample is
    # differentiable in the value.
    grads = jax.grad(lambda d: d.log_prob(value).sum())(d)
    np.testing.assert_array_equal(grads.log_density, [1.0, 1.0])
    assert eqx.is_inexact_array(d.log_density) and isinstance(d.event_ndim, int)
    g = jax.grad(lambda v: eqdist.Delta(v).sample(jax.random.key(0), (3,)).sum())(2.0)
    assert g == 3.0
    # vmap over stacked deltas equals the batched call.
    dists = jax.vmap(lambda v, ld: eqdist.Delta(v, ld, event_ndim=1))(
        value, d.log_density
    )
    assert dists.batch_shape == (2,) and dists.event_shape == (3,)
    mapped = jax.vmap(lambda d, v: d.log_prob(v))(dists, other)
    np.testing.assert_array_equal(mapped, d.log_prob(other))
    with pytest.raises(ValueError, match=r"Delta.*event_ndim"):
        eqdist.Delta(value, event_ndim=-1)
    with pytest.raises(ValueError, match=r"Delta.*value"):
        eqdist.Delta(jnp.array([0.0, 1.0]), event_ndim=2)
    with pytest.raises(ValueError, match=r"Delta.*log_density"):
        eqdist.Delta(0.0, jnp.array([0.0, jnp.inf]), validate_args=True)


def test_prng_identity():
    d = eqdist.PRNGIdentity()
    assert d.batch_shape == () and d.event_shape == ()
    typed = d.sample(jax.random.key(0), (2, 3))
    assert typed.shape == (2, 3)
    assert jnp.issubdtype(typed.dtype, jax.dtypes.prng_key)
    raw = d.sample(jax.random.PRNGKey(0), (2, 3))
    assert raw.shape == (2, 3, 2) and raw.dtype == jnp.uint32
    assert d.sample(jax.random.PRNGKey(0)).shape == (2,)
    assert d.sample(jax.random.key(0)).shape == ()
    # The keys are distinct and usable.
    data = np.asarray(jax.random.key_data(typed)).reshape(6, 2)
    assert len({tuple(row) for row in data}) == 6
    draws = jax.vmap(lambda k: jax.random.normal(k))(typed.reshape(6))
    assert len(set(np.asarray(draws).tolist())) == 6
    with pytest.raises(NotImplementedError, match="PRNGIdentity"):
        d.log_prob(raw)
    with pytest.raises(NotImplementedError, match="PRNGIdentity"):
        d.sample_and_log_prob(jax.random.key(0))
    with pytest.raises(TypeError, match=r"PRNGIdentity.*key"):
        d.sample(jnp.zeros(3))
