"""Saving and loading: bit-identical results, clear errors on bad files."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqdist
from eqdist import train
from eqdist.flows import masked_autoregressive_flow


def _flow(seed, hidden=(16,)):
    base = eqdist.Normal(jnp.zeros(2), 1.0)
    return masked_autoregressive_flow(
        jax.random.key(seed), base, num_layers=2, hidden_dims=hidden
    )


def test_saved_flow_loads_bit_identical(tmp_path):
    flow = _flow(0)
    path = tmp_path / "flow.eqx"
    train.save(path, flow)
    loaded = train.load(path, _flow(1))
    x = jax.random.normal(jax.random.key(2), (50, 2))
    np.testing.assert_array_equal(loaded.log_prob(x), flow.log_prob(x))
    assert not np.array_equal(_flow(1).log_prob(x), flow.log_prob(x))


def test_different_architecture_is_named(tmp_path):
    path = tmp_path / "flow.eqx"
    train.save(path, _flow(0))
    with pytest.raises(ValueError, match="different architecture"):
        train.load(path, _flow(0, hidden=(8,)))


def test_truncated_file_is_reported(tmp_path):
    path = tmp_path / "flow.eqx"
    train.save(path, _flow(0))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(ValueError, match="truncated"):
        train.load(path, _flow(0))
    path.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a file written by"):
        train.load(path, _flow(0))


def _transforms():
    from eqdist import transforms as T
    from eqdist.flows import AutoregressiveNN, InverseAutoregressiveTransform

    made = AutoregressiveNN(3, (8,), key=jax.random.key(0))
    return {
        "affine": (T.AffineTransform(jnp.array([0.5, 1.0, 2.0]), 3.0), 0),
        "power": (T.PowerTransform(jnp.array(2.5)), 0),
        "exp": (T.ExpTransform(), 0),
        "sigmoid": (T.SigmoidTransform(), 0),
        "permute": (T.PermuteTransform((2, 0, 1)), 1),
        "stick_breaking": (T.StickBreakingTransform(), 1),
        "compose": (
            T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)]),
            0,
        ),
        "iaf": (InverseAutoregressiveTransform(made), 1),
    }


def test_every_transform_serialises_round_trip():
    """tree_serialise_leaves / tree_deserialise_leaves into a skeleton with other
    values gives identical outputs (distributions: tests/test_every_distribution.py)."""
    import io

    import equinox as eqx

    x = jax.random.uniform(jax.random.key(1), (4, 3), minval=0.1, maxval=0.9)
    for name, (t, _) in _transforms().items():
        buffer = io.BytesIO()
        eqx.tree_serialise_leaves(buffer, t)
        buffer.seek(0)
        skeleton = jax.tree.map(lambda a: a * 2 if eqx.is_inexact_array(a) else a, t)
        loaded = eqx.tree_deserialise_leaves(buffer, skeleton)
        x_in = x[..., :2] if name == "stick_breaking" else x
        np.testing.assert_array_equal(loaded(x_in), t(x_in), err_msg=name)
        y = t(x_in)
        np.testing.assert_array_equal(
            loaded.log_abs_det_jacobian(x_in, y),
            t.log_abs_det_jacobian(x_in, y),
            err_msg=name,
        )


def test_distribution_of_other_shape_or_dtype_is_named(tmp_path):
    path = tmp_path / "normal.eqx"
    train.save(path, eqdist.Normal(jnp.zeros(3), 1.0))
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\).*architecture"):
        train.load(path, eqdist.Normal(jnp.zeros(2), 1.0))
    with pytest.raises(ValueError, match=r"float64.*float32.*architecture"):
        train.load(path, eqdist.Normal(jnp.zeros(3, jnp.float32), 1.0))
    with pytest.raises(ValueError, match=r"holds 2 arrays.*3"):
        train.load(path, eqdist.StudentT(jnp.ones(3), 0.0, 1.0))
    loaded = train.load(path, eqdist.Normal(jnp.ones(3), 2.0))
    np.testing.assert_array_equal(loaded.scale, np.ones(3))


def test_file_truncated_inside_header_is_reported(tmp_path):
    path = tmp_path / "flow.eqx"
    train.save(path, _flow(0))
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(ValueError, match="truncated"):
        train.load(path, _flow(0))
