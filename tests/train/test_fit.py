"""Training helpers: constrained parameters, maximum likelihood, variational fits."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqdist
from eqdist import train
from eqdist.flows import inverse_autoregressive_flow, masked_autoregressive_flow


def test_unconstrain_round_trip_and_storage():
    d = eqdist.Normal(jnp.array([0.5, 1.0]), jnp.array([2.0, 0.1]))
    free = train.unconstrain(d)
    assert isinstance(free.scale, train.Unconstrained)
    np.testing.assert_allclose(free.scale.value, jnp.log(d.scale), rtol=1e-12)
    back = train.constrain(free)
    np.testing.assert_allclose(back.scale, d.scale, rtol=1e-12)
    np.testing.assert_array_equal(back.loc, d.loc)


def test_a_gradient_step_cannot_leave_the_constraint():
    d = eqdist.Normal(0.0, 0.1)
    free = train.unconstrain(d)
    huge_step = eqx.tree_at(lambda t: t.scale.value, free, free.scale.value - 50.0)
    assert train.constrain(huge_step).scale > 0


def _fit(dist, data, **kwargs):
    options = dict(
        learning_rate=5e-2,
        max_epochs=150,
        batch_size=500,
        max_patience=10,
        show_progress=False,
    )
    options.update(kwargs)
    return train.fit_to_data(jax.random.key(1), dist, data, **options)


def test_maximum_likelihood_recovers_normal_and_gamma():
    key_a, key_b = jax.random.split(jax.random.key(0))
    data = 3.0 + 0.5 * jax.random.normal(key_a, (5000,))
    fitted, losses = _fit(eqdist.Normal(0.0, 1.0), data)
    assert losses["train"][-1] < losses["train"][0]
    assert fitted.loc == pytest.approx(3.0, abs=0.05)
    assert fitted.scale == pytest.approx(0.5, abs=0.03)
    data = jax.random.gamma(key_b, 3.0, (5000,)) / 2.0
    fitted, _ = _fit(eqdist.Gamma(1.0, 1.0), data)
    assert fitted.concentration == pytest.approx(3.0, rel=0.1)
    assert fitted.rate == pytest.approx(2.0, rel=0.1)


def test_maximum_likelihood_recovers_mvn_and_dirichlet():
    true_tril = jnp.array([[1.0, 0.0], [0.6, 0.5]])
    data = (
        jnp.array([1.0, -1.0])
        + jax.random.normal(jax.random.key(2), (5000, 2)) @ true_tril.T
    )
    fitted, _ = _fit(
        eqdist.MultivariateNormal(jnp.zeros(2), scale_tril=jnp.eye(2)), data
    )
    np.testing.assert_allclose(fitted.scale_tril, true_tril, atol=0.05)
    np.testing.assert_allclose(fitted.loc, [1.0, -1.0], atol=0.05)
    concentration = jnp.array([2.0, 5.0, 3.0])
    data = jax.random.dirichlet(jax.random.key(3), concentration, (5000,))
    fitted, _ = _fit(eqdist.Dirichlet(jnp.ones(3)), data)
    np.testing.assert_allclose(fitted.concentration, concentration, rtol=0.12)


def test_a_short_flow_training_run_lowers_the_loss():
    data = train.two_moons(jax.random.key(0), 1000)
    flow = masked_autoregressive_flow(
        jax.random.key(1),
        eqdist.Normal(jnp.zeros(2), 1.0),
        num_layers=2,
        hidden_dims=(16,),
    )
    fitted, losses = train.fit_to_data(
        jax.random.key(2),
        flow,
        data,
        learning_rate=5e-3,
        max_epochs=8,
        batch_size=100,
        show_progress=False,
    )
    assert losses["val"][-1] < losses["val"][0] - 0.2
    assert type(fitted) is type(flow)


def test_the_train_step_compiles_once():
    traces = []

    def loss(trainable, static, batch):
        traces.append(1)  # runs only while tracing
        d = train.constrain(eqx.combine(trainable, static))
        return -jnp.mean(d.log_prob(batch))

    import optax

    optimizer = optax.adam(1e-2)
    trainable, static = eqx.partition(
        train.unconstrain(eqdist.Normal(0.0, 1.0)), eqx.is_inexact_array
    )
    state = optimizer.init(trainable)
    step = train.make_step(loss, optimizer)
    for i in range(5):
        batch = jnp.full((32,), float(i))
        trainable, state, _ = step(trainable, static, state, batch)
    assert len(traces) == 1


def test_variational_fit_of_an_iaf_to_a_banana():
    # Unnormalised banana: x0 ~ N(0, 2^2), x1 | x0 ~ N(x0^2 / 4, 1); log Z is known,
    # so the ELBO is bounded by log Z = log(2 pi * 2).
    def log_target(x):
        x0, x1 = x[..., 0], x[..., 1]
        return -0.5 * (x0 / 2) ** 2 - 0.5 * (x1 - x0**2 / 4) ** 2

    log_z = float(jnp.log(2 * jnp.pi * 2.0))
    flow = inverse_autoregressive_flow(
        jax.random.key(0),
        eqdist.Normal(jnp.zeros(2), 1.0),
        num_layers=3,
        hidden_dims=(32,),
    )
    fitted, _ = train.fit_to_variational_target(
        jax.random.key(1),
        flow,
        train.elbo_loss(log_target, num_samples=64),
        steps=600,
        learning_rate=5e-3,
        show_progress=False,
    )
    elbo = -float(
        jnp.mean(
            jnp.array(
                [
                    train.elbo_loss(log_target, 2000)(fitted, k)
                    for k in jax.random.split(jax.random.key(5), 4)
                ]
            )
        )
    )
    assert log_z - 0.15 < elbo <= log_z + 0.02


def test_bad_split_is_reported():
    with pytest.raises(ValueError, match="validation split"):
        train.fit_to_data(
            jax.random.key(0), eqdist.Normal(), jnp.zeros(10), batch_size=64
        )
