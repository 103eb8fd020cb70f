"""Built-in 2-D targets for demos and tests, generated in code (no downloads)."""

import math

import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp
from jaxtyping import Array, Float, PRNGKeyArray


def two_moons(key: PRNGKeyArray, n: int, noise: float = 0.05) -> Float[Array, "n 2"]:
    """`n` points on two interleaving half circles, with Gaussian noise, scaled to
    roughly unit spread."""
    k_side, k_angle, k_noise = jax.random.split(key, 3)
    upper = jax.random.bernoulli(k_side, 0.5, (n,))
    angle = jax.random.uniform(k_angle, (n,), minval=0.0, maxval=math.pi)
    x = jnp.where(upper, jnp.cos(angle), 1 - jnp.cos(angle))
    y = jnp.where(upper, jnp.sin(angle), 0.5 - jnp.sin(angle))
    points = jnp.stack([x - 0.5, y - 0.25], axis=-1) * 2
    return points + noise * 2 * jax.random.normal(k_noise, (n, 2))


def ring_mixture_log_prob(
    x: Float[Array, "*batch 2"],
    components: int = 8,
    radius: float = 2.0,
    scale: float = 0.2,
) -> Float[Array, "*batch"]:
    """Exact log density of an equal-weight mixture of isotropic Gaussians (standard
    deviation `scale`) centred evenly on a circle of `radius`."""
    angles = 2 * math.pi * jnp.arange(components) / components
    centres = radius * jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=-1)
    sq = jnp.sum((x[..., None, :] - centres) ** 2, axis=-1)
    log_component = -sq / (2 * scale**2) - math.log(2 * math.pi * scale**2)
    return logsumexp(log_component, axis=-1) - math.log(components)


def ring_mixture(
    key: PRNGKeyArray,
    n: int,
    components: int = 8,
    radius: float = 2.0,
    scale: float = 0.2,
) -> Float[Array, "n 2"]:
    """`n` draws from the mixture whose density is `ring_mixture_log_prob`."""
    k_component, k_noise = jax.random.split(key)
    which = jax.random.randint(k_component, (n,), 0, components)
    angles = 2 * math.pi * which / components
    centres = radius * jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=-1)
    return centres + scale * jax.random.normal(k_noise, (n, 2))
