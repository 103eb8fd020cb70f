"""Test configuration: every annotation of eqdist is checked at run time, and the
suite computes in float64 unless a test asks for float32 explicitly."""

import jax
import pytest
from jaxtyping import install_import_hook

# Must run before anything imports eqdist: the hook decorates every function and
# dataclass of the package with jaxtyping + beartype checks.
install_import_hook("eqdist", "beartype.beartype")

jax.config.update("jax_enable_x64", True)

import eqdist  # noqa: E402,F401  (imported here, after the hook, on purpose)


@pytest.fixture
def getkey():
    """A fresh PRNG key per call, from a fixed seed per test."""
    keys = iter(jax.random.split(jax.random.key(0), 1000))
    return lambda: next(keys)
