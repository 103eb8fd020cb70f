"""Tests a user copies: the runtime checker turns a shape bug into a clear error."""

import jax
import jax.numpy as jnp
import pytest
from jaxtyping import TypeCheckError
from mymodel import LinearRegression


def data(n=5, features=3):
    kx, ky = jax.random.split(jax.random.key(0))
    x = jax.random.normal(kx, (n, features))
    return x, jax.random.normal(ky, (n,))


def test_log_joint_is_a_scalar():
    x, y = data()
    model = LinearRegression(jnp.ones(3))
    assert model.log_joint(x, y).shape == ()


def test_column_vector_targets_are_caught():
    # The classic bug: `y` of shape (n, 1) broadcasts against the batch (n,) of
    # Normals into an (n, n) matrix of log-densities, and the sum is silently wrong.
    x, y = data()
    model = LinearRegression(jnp.ones(3))
    with pytest.raises(TypeCheckError, match=r"log_joint") as error:
        model.log_joint(x, y[:, None])
    print(error.value)  # names the argument `y`, its shape and the dimension `n`
    assert "y" in str(error.value)


def test_eqdist_annotations_are_checked_too():
    # eqdist's own annotations: a non-array `loc` is refused at construction.
    import eqdist

    with pytest.raises(TypeCheckError):
        eqdist.Normal(loc="zero")
