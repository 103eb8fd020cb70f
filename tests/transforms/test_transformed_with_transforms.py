"""`TransformedDistribution` driven by the transforms: LogNormal against SciPy,
the intermediates fast path, and stick breaking over a Normal base."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from helpers import finite_difference_grad

from eqdist import Normal, TransformedDistribution, constraints
from eqdist.flows import masked_autoregressive_flow
from eqdist.transforms import (
    AbstractTransform,
    AffineTransform,
    ExpTransform,
    StickBreakingTransform,
)

_jit_log_prob = eqx.filter_jit(lambda d, y: d.log_prob(y))


def _lognormal(loc, scale):
    return TransformedDistribution(Normal(loc, scale), ExpTransform())


@pytest.mark.parametrize("batch", [(), (3,), (2, 3)])
def test_lognormal_log_prob_matches_scipy(batch, getkey):
    index = (0,) * (2 - len(batch))
    loc = jnp.array([[-0.5, 0.3, 1.2], [0.0, -1.0, 2.0]])[index]
    scale = jnp.array([[0.7, 1.5, 0.4], [1.0, 0.2, 3.0]])[index]
    d = _lognormal(loc, scale)
    assert d.batch_shape == batch and d.event_shape == ()
    assert isinstance(d.support, constraints.GreaterThan)
    y = jnp.exp(jax.random.normal(getkey(), (4,) + batch))
    expected = scipy.stats.lognorm.logpdf(y, s=scale, scale=np.exp(loc))
    np.testing.assert_allclose(d.log_prob(y), expected, rtol=1e-10)
    if batch == (2, 3):
        np.testing.assert_allclose(_jit_log_prob(d, y), expected, rtol=1e-10)
    assert d.sample(getkey(), (5,)).shape == (5,) + batch


def test_lognormal_samples_fit(getkey):
    d = _lognormal(0.4, 0.8)
    samples = np.asarray(d.sample(getkey(), (3000,)))
    assert np.all(samples > 0)
    p = scipy.stats.kstest(samples, scipy.stats.lognorm(s=0.8, scale=np.exp(0.4)).cdf)
    assert p.pvalue > 1e-3


def test_lognormal_outside_support_and_grad():
    d = _lognormal(0.0, 1.0)
    assert d.log_prob(jnp.array(-1.0)) == -jnp.inf
    grad = jax.grad(lambda y: d.log_prob(y))(jnp.array(-1.0))
    assert not np.isnan(grad)

    def f(params):
        return _lognormal(params[0], params[1]).log_prob(jnp.array([0.5, 2.0])).sum()

    params = jnp.array([0.3, 0.9])
    np.testing.assert_allclose(
        jax.jit(jax.grad(f))(params),
        finite_difference_grad(jax.jit(f), params),
        rtol=1e-6,
    )


def test_sample_and_log_prob_and_intermediates(getkey):
    d = _lognormal(jnp.array([0.0, 1.0]), jnp.array([1.0, 0.5]))
    key = getkey()
    y, log_prob = d.sample_and_log_prob(key, (6,))
    np.testing.assert_allclose(y, d.sample(key, (6,)), rtol=1e-14)
    np.testing.assert_allclose(log_prob, d.log_prob(y), rtol=1e-10)
    y2, intermediates = d.sample_with_intermediates(key, (6,))
    np.testing.assert_allclose(y2, y, rtol=1e-14)
    np.testing.assert_allclose(
        d.log_prob(y2, intermediates), d.log_prob(y2), rtol=1e-10
    )


@eqx.filter_jit
def _stick_breaking_checks(d, base, key):
    t = StickBreakingTransform()
    y = d.sample(key, (5,))
    x = t.inv(y)
    by_hand = base.log_prob(x).sum(-1) - t.log_abs_det_jacobian(x, y)
    y2, lp2 = d.sample_and_log_prob(key, (3,))
    outside = d.log_prob(jnp.array([0.5, 0.6, -0.1, 0.0]))
    return y, d.log_prob(y), by_hand, lp2, d.log_prob(y2), outside


@pytest.mark.parametrize("batch", [(), (2,)])
def test_stick_breaking_over_normal(batch, getkey):
    k = 4
    loc = jnp.linspace(-0.5, 0.5, k - 1)
    base = Normal(jnp.broadcast_to(loc, batch + (k - 1,)), 1.3)
    d = TransformedDistribution(base, StickBreakingTransform())
    # The base's rightmost batch axis became the event: one simplex per draw.
    assert d.batch_shape == batch and d.event_shape == (k,)
    y, log_prob, by_hand, lp2, lp2_again, outside = _stick_breaking_checks(
        d, base, getkey()
    )
    assert y.shape == (5,) + batch + (k,)
    assert np.all(constraints.simplex(y))
    assert log_prob.shape == (5,) + batch
    np.testing.assert_allclose(log_prob, by_hand, rtol=1e-10)
    np.testing.assert_allclose(lp2, lp2_again, rtol=1e-9)
    assert outside.shape == batch and np.all(outside == -jnp.inf)


def test_stick_breaking_density_normalises():
    """K = 2: the density of y_0 on (0, 1) integrates to one."""
    d = TransformedDistribution(Normal(jnp.array([0.3]), 0.8), StickBreakingTransform())
    grid = jnp.linspace(1e-6, 1 - 1e-6, 20001)
    values = jnp.stack([grid, 1 - grid], axis=-1)
    density = jnp.exp(_jit_log_prob(d, values))
    assert abs(float(jnp.trapezoid(density, grid)) - 1) < 1e-4


def test_float32_stays_float32(getkey):
    d = _lognormal(jnp.float32(0.2), jnp.float32(0.9))
    y = jnp.array([0.5, 2.0], dtype=jnp.float32)
    log_prob = d.log_prob(y)
    assert log_prob.dtype == jnp.float32
    expected = scipy.stats.lognorm.logpdf(
        np.asarray(y, np.float64), s=0.9, scale=np.exp(0.2)
    )
    np.testing.assert_allclose(log_prob, expected, rtol=1e-5)
    assert d.sample_and_log_prob(getkey(), (2,))[1].dtype == jnp.float32


# --- the membership fast path (regression) ---------------------------------------

_INVERSE_CALLS = []


class _CountingTransform(AbstractTransform):
    """Delegates to `inner`, recording every call of `inv` (at trace time)."""

    inner: AbstractTransform

    @property
    def domain(self):
        return self.inner.domain

    @property
    def codomain(self):
        return self.inner.codomain

    def call_with_intermediates(self, x):
        return self.inner.call_with_intermediates(x)

    def inv(self, y):
        _INVERSE_CALLS.append(type(self.inner).__name__)
        return self.inner.inv(y)

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        return self.inner.log_abs_det_jacobian(x, y, intermediates)


def _inverse_calls(d, value):
    """Calls of `inv` while tracing `d.log_prob(value)` once, and the result."""
    _INVERSE_CALLS.clear()
    log_prob = eqx.filter_jit(lambda d, v: d.log_prob(v))(d, value)
    return len(_INVERSE_CALLS), log_prob


def test_flow_log_prob_inverts_once(getkey):
    """Regression for the fast path of `TransformedDistribution.log_prob`: when the
    base support and every transform's domain and codomain are all of R^n (a flow),
    no value can be outside, so each layer is inverted once (no membership pass)
    and the density equals the by-hand composition."""
    flow = masked_autoregressive_flow(
        getkey(), Normal(jnp.zeros(3), 1.0), num_layers=2, hidden_dims=(4,)
    )
    # An affine map before the (stacked) flow layers: two transforms on R^n.
    transforms = [AffineTransform(jnp.full(3, 0.5), 2.0), *flow.transforms]
    model = TransformedDistribution(flow.base_distribution, transforms)
    counted = TransformedDistribution(
        flow.base_distribution, [_CountingTransform(t) for t in transforms]
    )
    y = model.sample(getkey(), (5,))
    calls, log_prob = _inverse_calls(counted, y)
    assert calls == len(transforms) == 2
    np.testing.assert_allclose(log_prob, _jit_log_prob(model, y), rtol=1e-12)
    _, expected = model.sample_and_log_prob(jax.random.key(7), (5,))
    y7 = model.sample(jax.random.key(7), (5,))
    np.testing.assert_allclose(_jit_log_prob(model, y7), expected, rtol=1e-9)


def test_bounded_support_keeps_membership_pass():
    """With a bounded set among them (exp's codomain), membership is decided by
    inverting first (a second `inv`), and values outside are -inf, not NaN; the
    values inside match the closed-form log-normal density."""
    d = TransformedDistribution(
        Normal(0.2, 0.9),
        [
            _CountingTransform(ExpTransform()),
            _CountingTransform(AffineTransform(1.0, 2.0)),
        ],
    )
    value = jnp.array([-1.0, 0.5, 1.0, 3.0, 7.0])
    calls, log_prob = _inverse_calls(d, value)
    assert calls == 4  # two transforms, each inverted for membership and density
    assert np.all(log_prob[:3] == -np.inf)
    expected = scipy.stats.lognorm.logpdf(
        (np.asarray(value[3:]) - 1) / 2, s=0.9, scale=np.exp(0.2)
    ) - np.log(2)
    np.testing.assert_allclose(log_prob[3:], expected, rtol=1e-10)
