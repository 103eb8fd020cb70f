"""`biject_to`: every constraint with a bijection, and clear errors for the rest."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqdist
from eqdist import constraints as c
from eqdist.transforms import (
    ComposeTransform,
    CorrCholeskyTransform,
    ExpTransform,
    IdentityTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SigmoidTransform,
    StickBreakingTransform,
    biject_to,
)

# name: (constraint, unconstrained event shape, expected transform type)
TABLE = {
    "real": (c.real, (), IdentityTransform),
    "real_vector": (c.real_vector, (4,), IdentityTransform),
    "positive": (c.positive, (), ExpTransform),
    "greater_than": (c.greater_than(-1.5), (), ComposeTransform),
    "greater_than_eq": (c.greater_than_eq(2.0), (), ComposeTransform),
    "greater_than_array": (
        c.greater_than(jnp.array([0.0, 1.0, -2.0])),
        (),
        ComposeTransform,
    ),
    "interval": (c.interval(-2.0, 3.0), (), ComposeTransform),
    "interval_array": (
        c.interval(jnp.array([0.0, 1.0, -2.0]), jnp.array([1.0, 5.0, -1.9])),
        (),
        ComposeTransform,
    ),
    "unit_interval": (c.unit_interval, (), SigmoidTransform),
    "simplex": (c.simplex, (3,), StickBreakingTransform),
    "lower_cholesky": (c.lower_cholesky, (6,), LowerCholeskyTransform),
    "corr_cholesky": (c.corr_cholesky, (6,), CorrCholeskyTransform),
    "positive_definite": (c.positive_definite, (6,), PositiveDefiniteTransform),
    "independent": (c.independent(c.positive, 1), (3,), IndependentTransform),
    "independent_interval": (
        c.independent(c.interval(0.0, 2.0), 2),
        (2, 3),
        IndependentTransform,
    ),
}


@eqx.filter_jit
def _apply(t, x):
    y = t(x)
    return y, t.inv(y), t.log_abs_det_jacobian(x, y), t.codomain(y), t.domain(x)


# Batch shapes cycle through the table (each shape costs a compilation).
BATCHES = {name: [(), (3,), (2, 3)][i % 3] for i, name in enumerate(TABLE)}


@pytest.mark.parametrize("name", list(TABLE))
def test_lands_in_constraint(name, getkey):
    constraint, event, kind = TABLE[name]
    batch = BATCHES[name]
    t = biject_to(constraint)
    assert isinstance(t, kind)
    x = 2 * jax.random.normal(getkey(), batch + event)
    y, x_back, ladj, in_codomain, _ = _apply(t, x)
    assert np.all(constraint(y)), name
    assert np.all(in_codomain)
    assert t.codomain.event_dim == constraint.event_dim
    np.testing.assert_allclose(x_back, x, rtol=1e-8, atol=1e-8)
    event_dim = t.domain.event_dim
    assert ladj.shape == jnp.broadcast_shapes(
        x.shape[: x.ndim - event_dim], y.shape[: y.ndim - constraint.event_dim]
    )


@pytest.mark.parametrize("name", ["greater_than", "interval", "interval_array"])
def test_composed_log_det_matches_autodiff(name, getkey):
    t = biject_to(TABLE[name][0])
    x = jax.random.normal(getkey(), (3,))
    jac = jax.jit(jax.jacobian(t))(x)
    expected = jnp.log(jnp.abs(jnp.diagonal(jac)))
    np.testing.assert_allclose(_apply(t, x)[2], expected, rtol=1e-10)


def test_independent_log_det_sums_event_axes(getkey):
    t = biject_to(c.independent(c.interval(0.0, 2.0), 2))
    x = jax.random.normal(getkey(), (4, 2, 3))
    per_element = biject_to(c.interval(0.0, 2.0))
    np.testing.assert_allclose(
        _apply(t, x)[2], _apply(per_element, x)[2].sum(axis=(-2, -1)), rtol=1e-12
    )
    assert t.event_dim == 2


def test_shortcuts_and_codomains():
    assert isinstance(biject_to(c.greater_than(0)), ExpTransform)
    assert isinstance(biject_to(c.interval(0.0, 1.0)), SigmoidTransform)
    assert isinstance(biject_to(c.independent(c.real, 0)), IdentityTransform)
    assert biject_to(c.real_vector).event_dim == 1
    assert eqdist.biject_to is biject_to
    # The composed codomain is the constraint itself, bounds included.
    codomain = biject_to(c.interval(-2.0, 3.0)).codomain
    assert isinstance(codomain, c.Interval)
    np.testing.assert_allclose(
        [codomain.lower_bound, codomain.upper_bound], [-2.0, 3.0]
    )
    codomain = biject_to(c.greater_than(4.0)).codomain
    assert isinstance(codomain, c.GreaterThan)
    np.testing.assert_allclose(codomain.lower_bound, 4.0)


def test_traced_bounds():
    @jax.jit
    def f(low, high, x):
        t = biject_to(c.interval(low, high))
        y = t(x)
        return y, t.log_abs_det_jacobian(x, y)

    y, ladj = f(jnp.array(1.0), jnp.array(4.0), jnp.array([-3.0, 0.0, 3.0]))
    assert np.all((y > 1) & (y < 4))
    sigmoid = 1 / (1 + np.exp(-np.array([-3.0, 0.0, 3.0])))
    np.testing.assert_allclose(y, 1 + 3 * sigmoid, rtol=1e-12)
    np.testing.assert_allclose(ladj, np.log(3 * sigmoid * (1 - sigmoid)), rtol=1e-12)
    lower_bounds = jnp.array([0.0, 1.0, 2.0])
    out = jax.vmap(lambda lb, v: biject_to(c.greater_than(lb))(v))(
        lower_bounds, jnp.zeros(3)
    )
    np.testing.assert_allclose(out, lower_bounds + 1)


@pytest.mark.parametrize(
    "constraint",
    [
        c.boolean,
        c.integer_interval(0, 3),
        c.integer_greater_than(2),
        c.nonnegative_integer,
        c.positive_integer,
        c.multinomial(5),
        c.dependent,
        c.independent(c.boolean, 1),
    ],
)
def test_no_bijection(constraint):
    with pytest.raises(NotImplementedError, match="biject_to: there is no bijection"):
        biject_to(constraint)


def test_not_a_constraint():
    with pytest.raises(TypeError):
        biject_to("positive")


def test_float32_stays_float32():
    x = jnp.array([-1.0, 0.0, 2.0], dtype=jnp.float32)
    for constraint in [c.greater_than(2.0), c.interval(-1.0, 3.0), c.positive]:
        t = biject_to(constraint)
        y, _, ladj, inside, _ = _apply(t, x)
        assert y.dtype == ladj.dtype == jnp.float32
        assert np.all(inside)
