"""AutoregressiveNN: the exact autoregressive zero pattern, leaves and errors."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from eqdist.flows import AutoregressiveNN


def _allowed(dim, permutation):
    order = np.empty(dim, dtype=int)
    order[np.asarray(permutation)] = np.arange(dim)
    return order[None, :] < order[:, None]  # output i may see input j


@pytest.mark.parametrize(
    "dim, hidden, permutation, skip",
    [
        (5, [3], None, False),  # hidden narrower than the input
        (5, [40, 40], [2, 0, 4, 1, 3], False),  # wider, permuted
        (6, [4], [5, 4, 3, 2, 1, 0], True),
        (3, [8], [1, 2, 0], True),
        (1, [4], None, False),
    ],
)
def test_outputs_depend_only_on_earlier_inputs(dim, hidden, permutation, skip):
    nn = AutoregressiveNN(
        dim,
        hidden,
        param_dims=(1, 2),
        permutation=permutation,
        skip_connections=skip,
        key=jax.random.key(0),
    )
    perm = permutation if permutation is not None else list(range(dim))
    allowed = _allowed(dim, perm)
    x = jax.random.normal(jax.random.key(1), (dim,))
    mean_jac = jax.jacobian(lambda v: nn(v)[0])(x)
    other_jac = jax.jacobian(lambda v: nn(v)[1])(x)  # shape (2, dim, dim)
    nonzero = np.abs(mean_jac) > 0
    assert not np.any(nonzero & ~allowed)
    assert not np.any((np.abs(other_jac) > 0) & ~allowed[None])
    if skip or min(hidden) >= dim - 1:
        # Wide enough (or with skips) every permitted connection is present.
        np.testing.assert_array_equal(nonzero, allowed)


def test_output_shapes_for_param_dims():
    nn = AutoregressiveNN(4, [8], param_dims=(1, 3), key=jax.random.key(0))
    a, b = nn(jnp.ones((7, 4)))
    assert a.shape == (7, 4) and b.shape == (7, 3, 4)


def test_weights_are_the_only_trainable_leaves():
    nn = AutoregressiveNN(3, [5, 6], skip_connections=True, key=jax.random.key(0))
    trainable = jax.tree.leaves(eqx.filter(nn, eqx.is_inexact_array))
    # 3 weight matrices + 3 biases + the skip weight; the 4 masks are boolean.
    assert len(trainable) == 7
    masks = [leaf for leaf in jax.tree.leaves(nn) if leaf.dtype == jnp.bool_]
    assert len(masks) == 4


def test_gradients_do_not_flow_into_masked_weights():
    nn = AutoregressiveNN(3, [5], key=jax.random.key(0))
    grads = eqx.filter_grad(lambda m: jnp.sum(m(jnp.ones(3))[0] ** 2))(nn)
    for g, m in zip(grads.weights, nn.masks):
        assert np.all(np.asarray(g)[~np.asarray(m)] == 0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"input_dim": 0, "hidden_dims": [3]}, "input_dim"),
        ({"input_dim": 3, "hidden_dims": [0]}, "hidden_dims"),
        ({"input_dim": 3, "hidden_dims": [4], "permutation": [0, 0, 1]}, "permutation"),
        ({"input_dim": 3, "hidden_dims": [4], "param_dims": ()}, "param_dims"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AutoregressiveNN(**kwargs, key=jax.random.key(0))


def test_wrong_input_size():
    nn = AutoregressiveNN(3, [4], key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"inputs must end in \(3,\)"):
        nn(jnp.ones(4))


def test_premasked_network_gives_the_same_outputs():
    nn = AutoregressiveNN(3, [5], skip_connections=True, key=jax.random.key(0))
    premasked = nn._premasked()
    assert all(m is None for m in premasked.masks) and premasked.skip_mask is None
    x = jax.random.normal(jax.random.key(1), (4, 3))
    for got, want in zip(premasked(x), nn(x)):
        np.testing.assert_array_equal(got, want)
