"""Constraints: membership at hand-picked points, feasible points, bounds as leaves."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqdist import constraints as c

INF, NAN = float("inf"), float("nan")

# name: (constraint, points inside, points outside); each point is one event.
TABLE = {
    "boolean": (c.boolean, [0, 1, 0.0, 1.0], [2, -1, 0.5]),
    "corr_cholesky": (
        c.corr_cholesky,
        [np.eye(3), [[1.0, 0.0], [0.6, 0.8]]],
        [
            [[1.0, 0.0], [0.5, 0.5]],  # a row of norm < 1
            [[1.0, 0.1], [0.0, 1.0]],  # not lower triangular
            [[-1.0, 0.0], [0.0, 1.0]],  # negative diagonal
        ],
    ),
    "greater_than": (c.greater_than(2.0), [2.5, 1e6], [2.0, 1.0, NAN]),
    "integer_interval": (c.integer_interval(0, 5), [0, 3, 5.0], [-1, 6, 2.5]),
    "integer_greater_than": (c.integer_greater_than(2), [2, 10.0], [1, 2.5, -3]),
    "interval": (c.interval(-1.0, 2.0), [-1.0, 0.0, 2.0], [-1.01, 2.5, NAN]),
    "lower_cholesky": (
        c.lower_cholesky,
        [[[2.0, 0.0], [-1.0, 0.5]], np.eye(3)],
        [
            [[1.0, 1.0], [0.0, 1.0]],
            [[0.0, 0.0], [1.0, 1.0]],
            [[-1.0, 0.0], [0.0, 1.0]],
            [[1.0, 0.0], [INF, 1.0]],
        ],
    ),
    "multinomial": (
        c.multinomial(4),
        [[1, 3, 0], [4.0, 0.0, 0.0]],
        [[1, 2, 0], [1.5, 2.5, 0.0], [-1, 5, 0]],
    ),
    "nonnegative_integer": (c.nonnegative_integer, [0, 3, 7.0], [-1, 0.5]),
    "positive": (c.positive, [1e-10, 3.0, 1e300], [0.0, -1.0, NAN]),
    "positive_definite": (
        c.positive_definite,
        [[[2.0, 1.0], [1.0, 2.0]], np.eye(3)],
        [
            [[1.0, 2.0], [2.0, 1.0]],  # indefinite
            [[1.0, 0.5], [0.0, 1.0]],  # not symmetric
            [[1.0, 0.0], [0.0, 0.0]],  # only semidefinite
            [[1.0, NAN], [NAN, 1.0]],
        ],
    ),
    "positive_integer": (c.positive_integer, [1, 5.0], [0, 1.5, -2]),
    "real": (c.real, [0.0, -1e300, 5], [INF, -INF, NAN]),
    "real_vector": (c.real_vector, [[1.0, 2.0], [0.0]], [[1.0, NAN], [INF, 0.0]]),
    "simplex": (
        c.simplex,
        [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [1.0]],
        [[0.5, 0.6, -0.1], [0.5, 0.4, 0.0], [0.5, 0.5, NAN]],
    ),
    "unit_interval": (c.unit_interval, [0.0, 1.0, 0.5], [-0.1, 1.1, NAN]),
    "independent": (
        c.independent(c.positive, 1),
        [[1.0, 2.0], [0.5]],
        [[1.0, -2.0], [0.0, 1.0]],
    ),
}


@pytest.mark.parametrize("name", list(TABLE))
def test_membership(name):
    constraint, inside, outside = TABLE[name]
    for point in inside:
        result = constraint(jnp.asarray(point))
        assert result.shape == ()
        assert bool(result), (name, point)
    for point in outside:
        assert not bool(constraint(jnp.asarray(point))), (name, point)


def test_all_seed_names_are_covered():
    seed = {
        "boolean", "corr_cholesky", "dependent", "greater_than", "integer_interval",
        "integer_greater_than", "interval", "lower_cholesky", "multinomial",
        "nonnegative_integer", "positive", "positive_definite", "positive_integer",
        "real", "real_vector", "simplex", "unit_interval",
    }  # fmt: skip
    assert seed - {"dependent"} <= set(TABLE)
    for name in seed | {"independent"}:
        assert hasattr(c, name)


def test_batched_membership_shapes():
    x = jnp.array([[0.2, 0.8], [0.7, 0.7], [1.0, 0.0]])
    np.testing.assert_array_equal(c.simplex(x), [True, False, True])
    np.testing.assert_array_equal(c.positive(x), x > 0)
    matrices = jnp.stack([jnp.eye(2), -jnp.eye(2)])
    np.testing.assert_array_equal(c.positive_definite(matrices), [True, False])
    assert c.independent(c.real, 2)(jnp.zeros((4, 2, 3))).shape == (4,)
    # Bounds broadcast against the value.
    np.testing.assert_array_equal(
        c.interval(jnp.array([0.0, 1.0]), 2.0)(jnp.array([0.5, 0.5])), [True, False]
    )


def test_dependent_raises():
    with pytest.raises(ValueError, match="dependent"):
        c.dependent(jnp.zeros(2))
    with pytest.raises(ValueError, match="dependent"):
        c.dependent.feasible_like(jnp.zeros(2))


@pytest.mark.parametrize("name", list(TABLE))
def test_feasible_like_lands_inside(name):
    constraint = TABLE[name][0]
    event = {0: (), 1: (3,), 2: (3, 3)}[constraint.event_dim]
    template = jnp.zeros((2, 4) + event)
    point = constraint.feasible_like(template)
    assert point.shape == template.shape
    assert np.all(constraint(point))


def test_bounds_are_leaves():
    gt = c.greater_than(2.0)
    assert [float(v) for v in jax.tree.leaves(gt)] == [2.0]
    interval = c.interval(jnp.array([0.0, 1.0]), 3.0)
    leaves = jax.tree.leaves(interval)
    assert len(leaves) == 2
    np.testing.assert_array_equal(leaves[0], [0.0, 1.0])
    assert len(jax.tree.leaves(c.integer_interval(0, 5))) == 2
    assert len(jax.tree.leaves(c.multinomial(4))) == 1
    assert len(jax.tree.leaves(c.independent(c.greater_than(1.0), 1))) == 1
    assert jax.tree.leaves(c.simplex) == []
    # Leaves move through vmap and jit.
    lbs = jnp.array([0.0, 1.0, 2.0])
    stacked = jax.vmap(c.greater_than)(lbs)
    inside = jax.vmap(lambda con, x: con(x))(stacked, jnp.array([0.5, 0.5, 2.5]))
    np.testing.assert_array_equal(inside, [True, False, True])
    jitted = eqx.filter_jit(lambda con, x: con(x))
    assert bool(jitted(c.interval(0.0, 1.0), 0.5))
    assert not bool(jitted(c.interval(0.0, 0.25), 0.5))


def test_independent_rejects_negative():
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        c.independent(c.real, -1)
    assert c.independent(c.simplex, 2).event_dim == 3
