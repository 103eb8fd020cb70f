"""Determinism (what docs/design.md promises): the same key and arguments give
bit-identical samples across calls and across processes; jit agrees with eager."""

import subprocess
import sys

import jax
import numpy as np
import pytest
from registry import BY_NAME, as_dtype

import eqdist

# A cheap cross-section: reparameterised, rejection-sampled, discrete, simplex.
NAMES = ["Normal", "Gamma", "BinomialLogits", "Dirichlet"]

SCRIPT = """
import sys, jax, numpy as np
jax.config.update("jax_enable_x64", True)
sys.path.insert(0, "tests")
from registry import BY_NAME, as_dtype
for name in {names!r}:
    e = BY_NAME[name]
    d = e.build(as_dtype(e.typical((3,)), np.float64))
    x = np.asarray(d.sample(jax.random.key(11), (5,)))
    sys.stdout.write(name + " " + x.tobytes().hex() + "\\n")
"""


def _samples():
    out = {}
    for name in NAMES:
        e = BY_NAME[name]
        d = e.build(as_dtype(e.typical((3,)), np.float64))
        out[name] = np.asarray(d.sample(jax.random.key(11), (5,)))
    return out


def test_same_key_same_samples_across_calls_and_processes():
    first, second = _samples(), _samples()
    for name in NAMES:
        assert first[name].tobytes() == second[name].tobytes(), name
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(names=NAMES)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = dict(line.split(" ") for line in result.stdout.splitlines())
    for name in NAMES:
        assert lines[name] == first[name].tobytes().hex(), name


@pytest.mark.parametrize("name", NAMES)
def test_jit_sample_equals_eager(name):
    e = BY_NAME[name]
    params = as_dtype(e.typical((3,)), np.float64)
    key = jax.random.key(5)
    eager = e.build(params).sample(key, (5,))
    jitted = jax.jit(lambda p, k: e.build(p).sample(k, (5,)))(params, key)
    np.testing.assert_allclose(jitted, eager, rtol=1e-12, atol=1e-12)


def test_raw_and_typed_keys_agree():
    d = eqdist.Normal(0.0, 1.0)
    raw = jax.random.PRNGKey(3)
    typed = jax.random.wrap_key_data(raw)
    np.testing.assert_array_equal(d.sample(raw, (4,)), d.sample(typed, (4,)))


def test_different_keys_differ():
    d = eqdist.Normal(0.0, 1.0)
    a = d.sample(jax.random.key(0), (4,))
    b = d.sample(jax.random.key(1), (4,))
    assert not np.array_equal(a, b)
