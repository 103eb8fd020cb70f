"""Normal log_prob: eager construct + evaluate, and jitted on a large array."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

import eqdist

from ._timing import compare, table

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def _hand_normal(loc, scale, x):
    z = (x - loc) / scale
    return -0.5 * z * z - jnp.log(scale) - _HALF_LOG_TWO_PI


def run(quick: bool) -> str:
    import numpyro.distributions as npd
    from flowjax.distributions import Normal as FlowjaxNormal

    x = jax.random.normal(jax.random.key(0), (1000,))
    loc, scale = jnp.zeros(1000), jnp.ones(1000)
    repeats = 50 if quick else 300
    eager = compare(
        {
            "hand-written jnp": lambda: _hand_normal(loc, scale, x),
            "eqdist": lambda: eqdist.Normal(loc, scale).log_prob(x),
            "numpyro": lambda: npd.Normal(loc, scale).log_prob(x),
            "numpyro (validation off)": lambda: npd.Normal(
                loc, scale, validate_args=False
            ).log_prob(x),
            "flowjax": lambda: FlowjaxNormal(loc, scale).log_prob(x),
        },
        repeats,
    )
    n = 10**6 if quick else 10**7
    big = jax.random.normal(jax.random.key(1), (n,))
    jitted_fns = {
        "hand-written jnp": jax.jit(lambda v: _hand_normal(0.0, 1.0, v)),
        "eqdist": jax.jit(lambda v: eqdist.Normal(0.0, 1.0).log_prob(v)),
        "numpyro": jax.jit(lambda v: npd.Normal(0.0, 1.0).log_prob(v)),
    }
    jitted = compare(
        {name: (lambda f=f: f(big)) for name, f in jitted_fns.items()}, repeats // 5
    )
    return (
        table("Normal: eager construct + log_prob, x[1000]", eager, "hand-written jnp")
        + "\n"
        + table(f"Normal: jitted log_prob, x[{n:.0e}]", jitted, "hand-written jnp")
    )
