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
