"""Bad input: one test per row, each asserting the error type and that the message
names the argument. With the jaxtyping hook on (as in every test run) some rows are
caught by the type checker first; those rows also check eqdist's own error with the
checker switched off (`jaxtyping_disable`), which is what users get by default."""

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import jaxtyping
import numpy as np
import pytest

import eqdist


@pytest.fixture
def no_typecheck():
    jaxtyping.config.update("jaxtyping_disable", True)
    yield
    jaxtyping.config.update("jaxtyping_disable", False)


@pytest.mark.parametrize("factory", [eqdist.Bernoulli, eqdist.Categorical])
@pytest.mark.parametrize(
    "kwargs", [dict(probs=jnp.array([0.5, 0.5]), logits=jnp.zeros(2)), {}]
)
def test_probs_and_logits_exactly_one(factory, kwargs):
    with pytest.raises(ValueError, match=r"`probs` or `logits`"):
        factory(**kwargs)


@pytest.mark.parametrize("factory", [eqdist.Binomial, eqdist.Multinomial])
def test_counts_probs_and_logits_exactly_one(factory):
    with pytest.raises(ValueError, match="probs"):
        factory(3, probs=jnp.array([0.5, 0.5]), logits=jnp.zeros(2))


def test_mvn_two_matrices():
    with pytest.raises(ValueError, match=r"covariance_matrix.*scale_tril"):
        eqdist.MultivariateNormal(
            jnp.zeros(2), covariance_matrix=jnp.eye(2), scale_tril=jnp.eye(2)
        )


def test_mvn_no_matrix():
    with pytest.raises(ValueError, match="covariance_matrix"):
        eqdist.MultivariateNormal(jnp.zeros(2))


def test_mvn_non_square_covariance(no_typecheck):
    with pytest.raises(ValueError, match="covariance_matrix"):
        eqdist.MultivariateNormal(
            jnp.zeros(2), covariance_matrix=jnp.ones((2, 3)), validate_args=True
        )


def test_mvn_non_square_covariance_typechecked():
    with pytest.raises(jaxtyping.TypeCheckError, match="covariance_matrix"):
        eqdist.MultivariateNormal(jnp.zeros(2), covariance_matrix=jnp.ones((2, 3)))


def test_mvn_not_positive_definite():
    cov = jnp.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match=r"`covariance_matrix`.*PositiveDefinite"):
        eqdist.MultivariateNormal(jnp.zeros(2), cov, validate_args=True)


def test_parameters_do_not_broadcast(no_typecheck):
    with pytest.raises(ValueError, match=r"Normal.*`loc` \(2,\).*`scale` \(3,\)"):
        eqdist.Normal(jnp.zeros(2), jnp.ones(3))


def test_parameters_do_not_broadcast_typechecked():
    with pytest.raises(jaxtyping.TypeCheckError, match="scale"):
        eqdist.Normal(jnp.zeros(2), jnp.ones(3))


def test_value_of_wrong_event_shape():
    d = eqdist.MultivariateNormal(jnp.zeros(3), scale_tril=jnp.eye(3))
    with pytest.raises(ValueError, match=r"`value`.*event shape"):
        d.log_prob(jnp.zeros(2))


def test_value_batch_does_not_broadcast():
    with pytest.raises(ValueError, match=r"`value`|batch"):
        eqdist.Normal(jnp.zeros(3), 1.0).log_prob(jnp.zeros(2))


@pytest.mark.parametrize("key", [0, 1.5, np.float64(2.0), jnp.zeros(3)])
def test_non_key(no_typecheck, key):
    with pytest.raises(TypeError, match="`key` must be a PRNG key"):
        eqdist.Normal(0.0, 1.0).sample(key)


@pytest.mark.parametrize("key", [0, 1.5])
def test_non_key_typechecked(key):
    with pytest.raises(jaxtyping.TypeCheckError, match="key"):
        eqdist.Normal(0.0, 1.0).sample(key)


def test_python_list_rejected_without_type_checking(no_typecheck):
    """Documented in docs/design.md: as in JAX, a list is not converted."""
    with pytest.raises(TypeError, match="Normal: parameter `loc` is a Python list"):
        eqdist.Normal([0.0, 1.0], 2.0)
    with pytest.raises(TypeError, match="Dirichlet: parameter `concentration`"):
        eqdist.Dirichlet((1.0, 2.0))


def test_python_list_rejected_with_type_checking():
    """...and the type checker, when on, names the parameter first."""
    with pytest.raises(jaxtyping.TypeCheckError, match="loc"):
        eqdist.Normal([0.0, 1.0], 2.0)


@pytest.mark.parametrize("field", ["loc", "scale"])
def test_nan_parameter_validated_eagerly(field):
    params = {"loc": 0.0, "scale": 1.0, field: jnp.nan}
    with pytest.raises(ValueError, match=f"Normal: parameter `{field}`"):
        eqdist.Normal(**params, validate_args=True)


def test_nan_parameter_validated_under_jit():
    @jax.jit
    def f(scale):
        return eqdist.Normal(0.0, scale, validate_args=True).log_prob(1.0)

    assert np.isfinite(f(1.0))
    with pytest.raises(Exception, match="Normal: parameter `scale`"):
        jax.block_until_ready(f(jnp.nan))


def test_nan_parameter_validated_under_filter_jit():
    f = eqx.filter_jit(lambda p: eqdist.Gamma(p, 1.0, validate_args=True).log_prob(1.0))
    with pytest.raises(Exception, match="Gamma: parameter `concentration`"):
        jax.block_until_ready(f(jnp.nan))


def test_value_outside_support_under_validation():
    d = eqdist.Exponential(1.0, validate_args=True)
    with pytest.raises(ValueError, match="`value` is outside the support"):
        d.log_prob(-1.0)


def test_fields_cannot_be_mutated():
    d = eqdist.Normal(jnp.zeros(2), 1.0)
    before = np.asarray(d.loc).copy()
    with pytest.raises(dataclasses.FrozenInstanceError, match="loc"):
        d.loc = jnp.ones(2)
    with pytest.raises(dataclasses.FrozenInstanceError, match="validate_args"):
        d.validate_args = True
    np.testing.assert_array_equal(d.loc, before)
    # Leaves are immutable JAX arrays: in-place writes are impossible too.
    with pytest.raises(TypeError):
        d.loc[0] = 5.0


def test_transform_fields_cannot_be_mutated():
    t = eqdist.transforms.AffineTransform(1.0, 2.0)
    with pytest.raises(dataclasses.FrozenInstanceError, match="scale"):
        t.scale = 3.0
