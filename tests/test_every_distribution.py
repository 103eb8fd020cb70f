"""Every public distribution, at typical parameters, against the protocol's contract.

Driven by `tests/registry.py`. One jitted probe per distribution (shared with the
property suite) computes a sample, its log_prob and gradients; eager runs, `vmap` and
serialisation are compared against it.
"""

import io

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from registry import (
    ENTRIES,
    PROPERTY_BATCH,
    SAMPLE_ONLY,
    as_dtype,
    probe,
    public_distribution_classes,
)

import eqdist

BATCHES = [(), (3,), (2, 3)]
KEY = jax.random.key(7)


def test_registry_covers_every_public_distribution():
    covered = {entry.cls for entry in ENTRIES} | SAMPLE_ONLY
    missing = public_distribution_classes() - covered
    assert not missing, (
        f"add to tests/registry.py: {sorted(c.__name__ for c in missing)}"
    )
    assert eqdist.Normal in covered and eqdist.TransformedDistribution in covered


def _assert_finite_tree(tree, what):
    for leaf in jax.tree.leaves(tree):
        assert np.all(np.isfinite(np.asarray(leaf))), what


def _shapes(entry, batch):
    def f(params):
        d = entry.build(params)
        x = d.sample(KEY, (4,))
        return x, d.log_prob(x)

    return jax.eval_shape(f, as_dtype(entry.typical(batch), np.float64))


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_contract(entry):
    """Shapes for three batch shapes, then at batch (2, 3): samples in the support
    and finite, log_prob finite there and -inf outside with non-NaN gradients,
    jit == eager for log_prob."""
    for batch in BATCHES[:2]:  # (2, 3) is checked on real arrays below
        d = entry.build(as_dtype(entry.typical(batch), np.float64))
        assert d.batch_shape == batch
        x, lp = _shapes(entry, batch)
        assert x.shape == (4,) + batch + d.event_shape
        assert lp.shape == (4,) + batch

    params = as_dtype(entry.typical((2, 3)), np.float64)
    d = entry.build(params)
    assert d.batch_shape == (2, 3)
    jitted = probe(entry.name)(params, KEY)
    x = np.asarray(jitted["x"])
    assert x.shape == (4, 2, 3) + d.event_shape
    assert jitted["log_prob"].shape == (4, 2, 3)
    assert np.all(np.isfinite(x))
    assert np.all(np.asarray(d.support(x))), "sample outside the support"
    assert np.all(np.isfinite(jitted["log_prob"]))
    _assert_finite_tree(jitted["grad"], "gradient of log_prob not finite")
    if entry.outside is not None:
        assert jitted["outside"].shape == (2, 2, 3)
        assert np.all(np.asarray(jitted["outside"]) == -np.inf)
        grads = (jitted["outside_grad"], jitted["outside_value_grad"])
        for leaf in jax.tree.leaves(grads):
            assert not np.any(np.isnan(np.asarray(leaf))), "NaN gradient outside"
    # jit == eager for log_prob (sampling: see test_determinism.py).
    np.testing.assert_allclose(
        d.log_prob(x), jitted["log_prob"], rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_vmap_and_serialise(entry):
    """A batch built and consumed by `jax.vmap` gives the batched numbers, and a
    serialise/deserialise round trip into another instance gives identical ones."""
    params = as_dtype(entry.typical((3,)), np.float64)
    d = entry.build(params)
    x = d.sample(KEY, (3,))  # (3, 3, *event): axis 1 is the batch axis
    batched = d.log_prob(x)
    dists = jax.vmap(entry.build)(params)
    assert dists.batch_shape == d.batch_shape
    xs = jnp.moveaxis(x, 1, 0)
    mapped = jax.vmap(lambda di, xi: di.log_prob(xi))(dists, xs)
    np.testing.assert_allclose(mapped.T, batched, rtol=1e-12, atol=1e-12)

    buffer = io.BytesIO()
    eqx.tree_serialise_leaves(buffer, d)
    buffer.seek(0)
    # A skeleton with other values: the loaded leaves must replace all of them.
    other = jax.tree.map(lambda a: a * 1.5 if eqx.is_inexact_array(a) else a, d)
    loaded = eqx.tree_deserialise_leaves(buffer, other)
    for got, want in zip(jax.tree.leaves(loaded), jax.tree.leaves(d)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(loaded.log_prob(x), batched)


@pytest.mark.parametrize("entry", ENTRIES, ids=repr)
def test_float32(entry):
    """float32 parameters give float32 samples and log_probs, finite."""
    params = as_dtype(entry.typical(PROPERTY_BATCH), np.float32)
    out = probe(entry.name)(params, KEY)
    if not entry.discrete:
        assert out["x"].dtype == jnp.float32
    assert out["log_prob"].dtype == jnp.float32
    assert np.all(np.isfinite(out["log_prob"]))
    for leaf in jax.tree.leaves(out["grad"]):
        assert leaf.dtype == jnp.float32
    _assert_finite_tree(out["grad"], "float32 gradient not finite")
