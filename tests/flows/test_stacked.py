"""StackedTransform: the builders' scanned layers equal the same layers applied one
by one; exact Jacobians, inverses and gradients; a jaxpr that does not grow with depth."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqdist
from eqdist import train
from eqdist.flows import (
    AutoregressiveNN,
    InverseAutoregressiveTransform,
    StackedTransform,
    inverse_autoregressive_flow,
    masked_autoregressive_flow,
)
from eqdist.transforms import ComposeTransform, PermuteTransform

BUILDERS = {"iaf": inverse_autoregressive_flow, "maf": masked_autoregressive_flow}


def _flow(kind, dim=3, layers=3, seed=0, **options):
    base = eqdist.Normal(jnp.zeros(dim), 1.0)
    return BUILDERS[kind](
        jax.random.key(seed), base, num_layers=layers, hidden_dims=(8,), **options
    )


def _unstacked(stacked: StackedTransform) -> ComposeTransform:
    """The same flow as a Python list: layer i is slice i of every floating leaf."""
    weights, shared = eqx.partition(stacked.layers, eqx.is_inexact_array)
    layers = []
    for i in range(stacked.num_layers):
        if i > 0:
            layers.append(PermuteTransform(stacked.permutation))
        layers.append(eqx.combine(jax.tree.map(lambda a, i=i: a[i], weights), shared))
    return ComposeTransform(layers)


@pytest.mark.parametrize("kind, stable", [("iaf", False), ("maf", True)])
def test_scan_equals_the_layers_one_by_one(kind, stable):
    t = _flow(kind, dim=4, stable=stable).transforms[0]
    assert isinstance(t, StackedTransform) and t.num_layers == 3
    loop = _unstacked(t)
    x = jax.random.normal(jax.random.key(1), (5, 4))
    y, log_det = t.call_with_intermediates(x)
    np.testing.assert_allclose(y, loop(x), rtol=1e-12, atol=1e-12)
    expected = loop.log_abs_det_jacobian(x, loop(x))
    np.testing.assert_allclose(log_det, expected, rtol=1e-12, atol=1e-12)
    back, inv_log_det = t.inv_and_log_abs_det_jacobian(y)
    np.testing.assert_allclose(back, loop.inv(y), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(inv_log_det, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", ["iaf", "maf"])
def test_log_det_and_round_trip_against_jax_jacobian(kind):
    t = _flow(kind, dim=4).transforms[0]
    x = jax.random.normal(jax.random.key(2), (3, 4))
    y, intermediates = t.call_with_intermediates(x)
    expected = jnp.linalg.slogdet(jax.vmap(jax.jacobian(t))(x))[1]
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y), expected, atol=1e-11)
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(x, y, intermediates), expected, atol=1e-11
    )
    np.testing.assert_allclose(t.inv(y), x, atol=1e-11)
    np.testing.assert_allclose(t(t.inv(x)), x, atol=1e-11)
    inverse_jac = jax.vmap(jax.jacobian(t.inv))(y)
    np.testing.assert_allclose(
        jnp.linalg.slogdet(inverse_jac)[1], -expected, atol=1e-10
    )


@pytest.mark.parametrize("kind", ["iaf", "maf"])
def test_gradients_equal_those_of_the_layers_one_by_one(kind):
    # Both directions, including the sequential one whose log-scales come from the
    # last inverse pass: parameter gradients match a plain per-layer computation.
    flow = _flow(kind, dim=3)
    base = flow.base_distribution
    x = jax.random.normal(jax.random.key(3), (6, 3))

    def loss_stacked(layers, direction):
        t = eqx.tree_at(lambda s: s.layers, flow.transforms[0], layers)
        if direction == "inverse":
            z, log_det = t.inv_and_log_abs_det_jacobian(x)
            return jnp.sum(base.log_prob(z)) - jnp.sum(log_det)
        y, log_det = t.call_with_intermediates(x)
        return jnp.sum(y**2) + jnp.sum(log_det)

    def loss_loop(layers, direction):
        t = eqx.tree_at(lambda s: s.layers, flow.transforms[0], layers)
        loop = _unstacked(t)
        if direction == "inverse":
            z = loop.inv(x)
            return jnp.sum(base.log_prob(z)) - jnp.sum(loop.log_abs_det_jacobian(z, x))
        y = loop(x)
        return jnp.sum(y**2) + jnp.sum(loop.log_abs_det_jacobian(x, y))

    layers = flow.transforms[0].layers
    for direction in ("forward", "inverse"):
        got = eqx.filter_jit(eqx.filter_grad(loss_stacked))(layers, direction)
        want = eqx.filter_jit(eqx.filter_grad(loss_loop))(layers, direction)
        for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11)


def test_saved_stacked_flow_loads_identical(tmp_path):
    flow = _flow("iaf", dim=3)
    path = tmp_path / "flow.eqx"
    train.save(path, flow)
    loaded = train.load(path, _flow("iaf", dim=3, seed=1))
    x, log_prob = flow.sample_and_log_prob(jax.random.key(4), (7,))
    got_x, got_log_prob = loaded.sample_and_log_prob(jax.random.key(4), (7,))
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_log_prob, log_prob)
    with pytest.raises(ValueError, match="different architecture"):
        train.load(path, _flow("iaf", dim=3, layers=4))


@pytest.mark.parametrize("kind", ["iaf", "maf"])
def test_the_jaxpr_does_not_grow_with_depth(kind):
    x = jnp.ones((4, 3))

    def size(layers):
        flow = _flow(kind, layers=layers)
        jaxpr = jax.make_jaxpr(lambda f: jnp.sum(f.log_prob(x)))(flow)
        return len(jaxpr.eqns), len(str(jaxpr))

    assert size(2) == size(8)


def test_float32_stays_float32_and_batches_broadcast():
    base = eqdist.Normal(jnp.zeros((2, 3), jnp.float32), jnp.float32(1.0))
    flow = masked_autoregressive_flow(jax.random.key(0), base, 2, (8,))
    assert (flow.batch_shape, flow.event_shape) == ((2,), (3,))
    x = jax.random.normal(jax.random.key(1), (5, 2, 3), dtype=jnp.float32)
    assert flow.log_prob(x).shape == (5, 2)
    assert flow.log_prob(x).dtype == jnp.float32
    assert flow.transforms[0](x).dtype == jnp.float32


def test_bad_stacks_are_reported():
    made = AutoregressiveNN(3, (4,), key=jax.random.key(0))
    with pytest.raises(ValueError, match="same leading"):
        StackedTransform(InverseAutoregressiveTransform(made))
    with pytest.raises(ValueError, match="event_dim"):
        StackedTransform(eqdist.transforms.AffineTransform(jnp.ones(2), 1.0))
    with pytest.raises(ValueError, match="permutation"):
        StackedTransform(_flow("iaf").transforms[0].layers, (0, 0, 1))
    with pytest.raises(ValueError, match="last axis of size 3"):
        _flow("iaf").transforms[0](jnp.ones(4))
