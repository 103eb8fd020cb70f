"""Eager construct + log_prob (no jit): the per-call Python overhead of each library.

Normal on x[1000], MultivariateNormal d=10 on x[100, 10], Dirichlet K=10 on x[100, 10],
against a hand-written `jax.numpy` version of the same formula. "eqdist" is the
default (validation off unless `eqdist.enable_validation()`); "validation on" passes
`validate_args=True`.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy as jsp

import eqdist

from ._timing import compare, table

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def hand_normal(loc, scale, x):
    z = (x - loc) / scale
    return -0.5 * z * z - jnp.log(scale) - _HALF_LOG_TWO_PI


def hand_mvn(loc, scale_tril, x):
    z = jsp.linalg.solve_triangular(scale_tril, (x - loc).T, lower=True).T
    half_log_det = jnp.sum(jnp.log(jnp.diagonal(scale_tril)))
    d = x.shape[-1]
    return -0.5 * jnp.sum(z * z, axis=-1) - half_log_det - d * _HALF_LOG_TWO_PI


def hand_dirichlet(alpha, x):
    norm = jnp.sum(jsp.special.gammaln(alpha)) - jsp.special.gammaln(jnp.sum(alpha))
    return jnp.sum((alpha - 1) * jnp.log(x), axis=-1) - norm


def run(mode: str) -> str:
    import numpyro.distributions as npd
    from flowjax import distributions as fjd

    repeats = {"smoke": 3, "quick": 100, "full": 400}[mode]
    warmup = 1 if mode == "smoke" else 5
    k1, k2, k3 = jax.random.split(jax.random.key(0), 3)
    out = []

    x = jax.random.normal(k1, (1000,))
    loc, scale = jnp.zeros(1000), jnp.ones(1000)
    medians = compare(
        {
            "hand-written jnp": lambda: hand_normal(loc, scale, x),
            "eqdist": lambda: eqdist.Normal(loc, scale).log_prob(x),
            "eqdist (validation off)": lambda: eqdist.Normal(
                loc, scale, validate_args=False
            ).log_prob(x),
            "eqdist (validation on)": lambda: eqdist.Normal(
                loc, scale, validate_args=True
            ).log_prob(x),
            "numpyro": lambda: npd.Normal(loc, scale).log_prob(x),
            "numpyro (validation off)": lambda: npd.Normal(
                loc, scale, validate_args=False
            ).log_prob(x),
            "flowjax": lambda: fjd.Normal(loc, scale).log_prob(x),
        },
        repeats,
        warmup,
    )
    out.append(
        table(
            "Eager: Normal construct + log_prob, x[1000]", medians, "hand-written jnp"
        )
    )

    if mode == "smoke":
        return "\n".join(out)  # the other cases share this code path

    d = 10
    a = jax.random.normal(k2, (d, d))
    cov = a @ a.T / d + jnp.eye(d)
    tril = jnp.linalg.cholesky(cov)
    mloc = jnp.zeros(d)
    xm = jax.random.normal(k3, (100, d))
    medians = compare(
        {
            "hand-written jnp": lambda: hand_mvn(mloc, tril, xm),
            "eqdist": lambda: eqdist.MultivariateNormal(mloc, scale_tril=tril).log_prob(
                xm
            ),
            "eqdist (validation off)": lambda: eqdist.MultivariateNormal(
                mloc, scale_tril=tril, validate_args=False
            ).log_prob(xm),
            "eqdist (validation on)": lambda: eqdist.MultivariateNormal(
                mloc, scale_tril=tril, validate_args=True
            ).log_prob(xm),
            "numpyro": lambda: npd.MultivariateNormal(mloc, scale_tril=tril).log_prob(
                xm
            ),
            "numpyro (validation off)": lambda: npd.MultivariateNormal(
                mloc, scale_tril=tril, validate_args=False
            ).log_prob(xm),
            # flowjax takes a covariance and factorises it on construction.
            "flowjax (from covariance)": lambda: fjd.MultivariateNormal(
                mloc, cov
            ).log_prob(xm),
        },
        repeats,
        warmup,
    )
    out.append(
        table(
            "Eager: MultivariateNormal d=10 (scale_tril) construct + log_prob, x[100, 10]",
            medians,
            "hand-written jnp",
        )
    )

    alpha = jnp.linspace(0.5, 3.0, 10)
    xd = jax.random.dirichlet(k1, alpha, (100,))
    medians = compare(
        {
            "hand-written jnp": lambda: hand_dirichlet(alpha, xd),
            "eqdist": lambda: eqdist.Dirichlet(alpha).log_prob(xd),
            "eqdist (validation off)": lambda: eqdist.Dirichlet(
                alpha, validate_args=False
            ).log_prob(xd),
            "eqdist (validation on)": lambda: eqdist.Dirichlet(
                alpha, validate_args=True
            ).log_prob(xd),
            "numpyro": lambda: npd.Dirichlet(alpha).log_prob(xd),
            "numpyro (validation off)": lambda: npd.Dirichlet(
                alpha, validate_args=False
            ).log_prob(xd),
        },
        repeats,
        warmup,
    )
    out.append(
        table(
            "Eager: Dirichlet K=10 construct + log_prob, x[100, 10] (flowjax: n.a.)",
            medians,
            "hand-written jnp",
        )
    )
    return "\n".join(out)
