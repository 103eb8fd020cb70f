"""A user's package: a Bayesian-style linear regression built from eqdist pieces.

Every function carries jaxtyping annotations with named dimensions. They cost
nothing unless a runtime checker is installed (see `conftest.py`): then a value of
the wrong shape fails at the call, naming the argument, instead of broadcasting into
a silently wrong number.
"""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

import eqdist


class LinearRegression(eqx.Module):
    """y ~ Normal(x @ weight + bias, noise), with a Normal prior on the weights."""

    weight: Float[Array, " features"]
    bias: Float[Array, ""]
    noise: Float[Array, ""]

    def __init__(self, weight: Float[Array, " features"], noise: float = 1.0):
        self.weight = weight
        self.bias = jnp.zeros((), weight.dtype)
        self.noise = jnp.asarray(noise, weight.dtype)

    def predictive(self, x: Float[Array, "n features"]) -> eqdist.Normal:
        """p(y | x): a batch of `n` Normals."""
        return eqdist.Normal(x @ self.weight + self.bias, self.noise)

    def log_joint(
        self, x: Float[Array, "n features"], y: Float[Array, " n"]
    ) -> Float[Array, ""]:
        """log p(weight) + sum_i log p(y_i | x_i)."""
        prior = eqdist.Normal(jnp.zeros_like(self.weight), 1.0).to_event(1)
        return prior.log_prob(self.weight) + self.predictive(x).log_prob(y).sum()
