"""GaussianRandomWalk: density as a sum of normal increments, moments, shapes."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats as st

import eqdist
from tests.helpers import finite_difference_grad


def _reference_log_prob(x, scale):
    steps = np.diff(x, axis=-1, prepend=0.0)
    return st.norm(0.0, scale).logpdf(steps).sum(-1)


def test_log_prob_is_a_sum_of_normal_increments():
    scale = np.array([0.5, 1.0, 2.5])
    dist = eqdist.GaussianRandomWalk(scale, num_steps=4)
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    expected = _reference_log_prob(x, scale[:, None])
    np.testing.assert_allclose(dist.log_prob(x), expected, rtol=1e-12)
    jitted = jax.jit(lambda d, v: d.log_prob(v))(dist, x)
    np.testing.assert_allclose(jitted, expected, rtol=1e-12)
    # Entropy of the joint normal with covariance scale^2 min(s, t).
    cov = 2.5**2 * np.minimum.outer(np.arange(1, 5), np.arange(1, 5))
    np.testing.assert_allclose(
        dist.entropy()[2],
        st.multivariate_normal(np.zeros(4), cov).entropy(),
        rtol=1e-12,
    )


@pytest.mark.parametrize("batch_shape", [(), (3,), (2, 3)])
def test_shapes(batch_shape):
    dist = eqdist.GaussianRandomWalk(jnp.full(batch_shape, 1.5), num_steps=5)
    assert dist.batch_shape == batch_shape and dist.event_shape == (5,)
    x = jax.eval_shape(lambda d: d.sample(jax.random.key(0), (4,)), dist)
    assert x.shape == (4,) + batch_shape + (5,)
    lp = jax.eval_shape(lambda d, v: d.log_prob(v), dist, x)
    assert lp.shape == (4,) + batch_shape
    assert dist.mean.shape == dist.variance.shape == batch_shape + (5,)


def test_moments_of_samples():
    scale = 1.5
    dist = eqdist.GaussianRandomWalk(scale, num_steps=6)
    np.testing.assert_allclose(dist.variance, scale**2 * np.arange(1, 7), rtol=1e-14)
    np.testing.assert_allclose(dist.mean, np.zeros(6))
    x = np.asarray(jax.jit(lambda d: d.sample(jax.random.key(0), (4000,)))(dist))
    # Every step t is N(0, t scale^2) (KS), and increments are independent N(0, s^2).
    for t in (0, 5):
        z = x[:, t] / (scale * np.sqrt(t + 1))
        assert st.kstest(z, st.norm.cdf).pvalue > 1e-3
    steps = np.diff(x, axis=-1, prepend=0.0) / scale
    assert st.kstest(steps.ravel(), st.norm.cdf).pvalue > 1e-3
    corr = np.corrcoef(steps[:, 1], steps[:, 4])[0, 1]
    assert abs(corr) < 0.06


def test_gradients_and_vmap():
    x = jnp.asarray(np.random.default_rng(1).normal(size=(3, 4)))

    def total(scale):
        return jnp.sum(eqdist.GaussianRandomWalk(scale, num_steps=4).log_prob(x))

    np.testing.assert_allclose(
        jax.grad(total)(1.3), finite_difference_grad(total, 1.3), rtol=1e-7
    )
    # Pathwise: a draw is scale times a standard walk.
    key = jax.random.key(5)
    draw = lambda s: eqdist.GaussianRandomWalk(s, num_steps=4).sample(key)  # noqa: E731
    np.testing.assert_allclose(jax.jacobian(draw)(2.0), draw(1.0), rtol=1e-12)
    scales = jnp.array([0.5, 1.0, 2.0])
    dists = jax.vmap(lambda s: eqdist.GaussianRandomWalk(s, num_steps=4))(scales)
    vmapped = jax.vmap(lambda d, v: d.log_prob(v))(dists, x)
    batched = eqdist.GaussianRandomWalk(scales, num_steps=4).log_prob(x)
    np.testing.assert_allclose(vmapped, batched, rtol=1e-12)


def test_errors_and_float32():
    with pytest.raises(ValueError, match="num_steps"):
        eqdist.GaussianRandomWalk(1.0, num_steps=0)
    # A TypeError (from eqdist, or from the annotation checker in the tests).
    with pytest.raises(TypeError, match="num_steps"):
        eqdist.GaussianRandomWalk(1.0, num_steps=2.5)
    with pytest.raises(ValueError, match="`scale`"):
        eqdist.GaussianRandomWalk(-1.0, num_steps=2, validate_args=True)
    with pytest.raises(ValueError, match="event shape"):
        eqdist.GaussianRandomWalk(1.0, num_steps=3).log_prob(jnp.zeros(4))
    d32 = eqdist.GaussianRandomWalk(jnp.float32(0.7), num_steps=3)
    x = np.array([0.1, -0.4, 0.9])
    lp32 = d32.log_prob(jnp.asarray(x, jnp.float32))
    assert lp32.dtype == jnp.float32
    np.testing.assert_allclose(lp32, _reference_log_prob(x, 0.7), rtol=1e-6)
