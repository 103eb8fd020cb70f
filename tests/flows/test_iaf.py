"""Inverse autoregressive layers, their inverse, flows built from them."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqdist
from eqdist.flows import (
    AutoregressiveNN,
    InverseAutoregressiveTransform,
    inverse_autoregressive_flow,
    masked_autoregressive_flow,
)
from eqdist.transforms import InverseTransform


def _layer(dim=4, stable=False, seed=0):
    made = AutoregressiveNN(dim, [16, 16], key=jax.random.key(seed))
    return InverseAutoregressiveTransform(made, stable=stable)


@pytest.mark.parametrize("stable", [False, True])
def test_inverse_and_log_det(stable):
    t = _layer(stable=stable)
    x = jax.random.normal(jax.random.key(1), (3, 4))
    y, log_scale = t.call_with_intermediates(x)
    np.testing.assert_allclose(t.inv(y), x, atol=1e-12)
    jac = jax.vmap(jax.jacobian(t))(x)
    expected = jnp.linalg.slogdet(jac)[1]
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y), expected, atol=1e-12)
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(x, y, log_scale), expected, atol=1e-12
    )
    inverse = InverseTransform(t)
    np.testing.assert_allclose(inverse(y), x, atol=1e-12)
    np.testing.assert_allclose(
        inverse.log_abs_det_jacobian(y, x), -expected, atol=1e-12
    )


def test_the_forward_map_is_equation_10():
    t = _layer()
    x = jax.random.normal(jax.random.key(2), (4,))
    mean, log_scale = t.autoregressive_nn(x)
    log_scale = jnp.clip(log_scale, -5.0, 3.0)
    np.testing.assert_allclose(t(x), mean + jnp.exp(log_scale) * x, rtol=1e-14)


def test_the_clamp_keeps_gradients():
    t = InverseAutoregressiveTransform(
        AutoregressiveNN(2, [4], key=jax.random.key(0)),
        log_scale_min_clip=-1e-3,
        log_scale_max_clip=1e-3,
    )
    x = jnp.array([0.3, -0.7])
    grads = eqx.filter_grad(lambda t: t.log_abs_det_jacobian(x, t(x)).sum())(t)
    # Every raw log-scale lies outside the tiny clip range, yet the weights learn.
    assert any(np.any(np.asarray(g) != 0) for g in jax.tree.leaves(grads))


def test_inverse_compiles_once_for_any_dimension():
    t = _layer(dim=12)
    jaxpr = jax.make_jaxpr(t.inv)(jnp.ones(12))

    def primitives(jaxpr):
        for eqn in jaxpr.eqns:
            yield eqn.primitive.name
            for sub in jax.extend.core.jaxprs_in_params(eqn.params):
                yield from primitives(sub)

    names = list(primitives(jaxpr.jaxpr))
    # One loop around one network pass (3 masked layers), not twelve unrolled passes.
    assert names.count("while") + names.count("scan") == 1, names
    assert names.count("dot_general") == 3, names


@pytest.mark.parametrize(
    "builder", [inverse_autoregressive_flow, masked_autoregressive_flow]
)
def test_flow_log_prob_matches_sample_and_log_prob(builder):
    base = eqdist.Normal(jnp.zeros(3), 1.0)
    flow = builder(jax.random.key(0), base, num_layers=3, hidden_dims=(16,))
    assert (flow.batch_shape, flow.event_shape) == ((), (3,))
    x, log_prob = flow.sample_and_log_prob(jax.random.key(1), (6,))
    assert x.shape == (6, 3) and log_prob.shape == (6,)
    np.testing.assert_allclose(flow.log_prob(x), log_prob, rtol=1e-10, atol=1e-10)
    y, intermediates = flow.sample_with_intermediates(jax.random.key(1), (6,))
    np.testing.assert_allclose(flow.log_prob(y, intermediates), log_prob, rtol=1e-10)


def test_flow_density_integrates_to_one_in_1d_slices():
    # A 2-D flow's density, integrated on a grid, is a probability density.
    flow = masked_autoregressive_flow(
        jax.random.key(3),
        eqdist.Normal(jnp.zeros(2), 1.0),
        num_layers=2,
        hidden_dims=(8,),
    )
    grid = jnp.linspace(-9, 9, 361)
    xx, yy = jnp.meshgrid(grid, grid)
    points = jnp.stack([xx.ravel(), yy.ravel()], -1)
    mass = jnp.exp(flow.log_prob(points)).sum() * (grid[1] - grid[0]) ** 2
    assert mass == pytest.approx(1.0, abs=2e-3)


def test_builders_reject_scalar_bases():
    with pytest.raises(ValueError, match="vector-valued"):
        inverse_autoregressive_flow(jax.random.key(0), eqdist.Normal(0.0, 1.0))


@pytest.mark.parametrize("dim", [1, 4])
def test_inverse_gradients_equal_those_through_the_passes(dim):
    # The inverse is differentiated through its fixed point (a custom VJP); the
    # reference differentiates the D plain network passes.
    made = AutoregressiveNN(dim, [8], skip_connections=True, key=jax.random.key(0))
    t = InverseAutoregressiveTransform(made)
    y = jax.random.normal(jax.random.key(1), (5, dim))

    def passes(layer, y):
        x = jnp.zeros_like(y)
        for _ in range(dim):
            shift, log_scale = layer._shift_and_log_scale(x)
            x = (y - shift) * jnp.exp(-log_scale)
        return x, log_scale

    def loss(inverse):
        def value(layer_and_y):
            x, log_scale = inverse(*layer_and_y)
            return jnp.sum(jnp.sin(x)) + jnp.sum(log_scale**2)

        return eqx.filter_jit(eqx.filter_grad(value))

    got = loss(lambda layer, y: layer._inverse_and_log_scale(y))((t, y))
    want = loss(passes)((t, y))
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
