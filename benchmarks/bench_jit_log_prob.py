"""Jitted log_prob on large inputs: Normal, Gamma, Beta on 1e7 elements (quick: 1e6)
and MultivariateNormal d=50 on 1e5 points (quick: 1e4), with accuracy of the MVN
formulations against a float64 NumPy reference."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy as jsp
import numpy as np

import eqdist

from ._timing import compare, table
from .bench_eager import hand_mvn, hand_normal


def hand_gamma(conc, rate, x):
    return (
        conc * jnp.log(rate)
        + (conc - 1) * jnp.log(x)
        - rate * x
        - jsp.special.gammaln(conc)
    )


def hand_beta(a, b, x):
    return (
        (a - 1) * jnp.log(x)
        + (b - 1) * jnp.log1p(-x)
        - (jsp.special.gammaln(a) + jsp.special.gammaln(b) - jsp.special.gammaln(a + b))
    )


def hand_mvn_inverse(loc, scale_tril, x):
    """Explicit-inverse formulation: one (n, d) x (d, d) matmul instead of a solve."""
    d = x.shape[-1]
    inv = jsp.linalg.solve_triangular(scale_tril, jnp.eye(d), lower=True)
    z = (x - loc) @ inv.T
    half_log_det = jnp.sum(jnp.log(jnp.diagonal(scale_tril)))
    return (
        -0.5 * jnp.sum(z * z, axis=-1) - half_log_det - d * 0.5 * math.log(2 * math.pi)
    )


def _scalar_cases(mode: str) -> str:
    import numpyro.distributions as npd
    from flowjax import distributions as fjd

    n = {"smoke": 10**4, "quick": 10**6, "full": 10**7}[mode]
    repeats = {"smoke": 2, "quick": 10, "full": 30}[mode]
    warmup = 1 if mode == "smoke" else 3
    key = jax.random.key(1)
    out = []
    normal = jax.random.normal(key, (n,))
    positive = jax.random.gamma(key, 2.5, (n,))
    unit = jax.random.beta(key, 2.0, 3.0, (n,))
    families = {
        "Normal(0, 1)": (
            normal,
            {
                "hand-written jnp": lambda v: hand_normal(0.0, 1.0, v),
                "eqdist": lambda v: eqdist.Normal(0.0, 1.0).log_prob(v),
                "numpyro": lambda v: npd.Normal(0.0, 1.0).log_prob(v),
                "flowjax": lambda v: jax.vmap(fjd.Normal(0.0, 1.0).log_prob)(v),
            },
        ),
        "Gamma(2.5, 1.5)": (
            positive,
            {
                "hand-written jnp": lambda v: hand_gamma(2.5, 1.5, v),
                "eqdist": lambda v: eqdist.Gamma(2.5, 1.5).log_prob(v),
                "numpyro": lambda v: npd.Gamma(2.5, 1.5).log_prob(v),
                "flowjax": lambda v: jax.vmap(fjd.Gamma(2.5, 1 / 1.5).log_prob)(v),
            },
        ),
        "Beta(2, 3)": (
            unit,
            {
                "hand-written jnp": lambda v: hand_beta(2.0, 3.0, v),
                "eqdist": lambda v: eqdist.Beta(2.0, 3.0).log_prob(v),
                "numpyro": lambda v: npd.Beta(2.0, 3.0).log_prob(v),
                "flowjax": lambda v: jax.vmap(fjd.Beta(2.0, 3.0).log_prob)(v),
            },
        ),
    }
    for title, (data, fns) in families.items():
        if mode == "smoke" and title != "Beta(2, 3)":
            continue
        jitted = {name: jax.jit(f) for name, f in fns.items()}
        ref = np.asarray(jitted["hand-written jnp"](data))
        notes = {}
        for name, f in jitted.items():
            err = np.max(np.abs(np.asarray(f(data)) - ref) / (1 + np.abs(ref)))
            notes[name] = f"max rel. diff to hand-written {err:.1e}"
        medians = compare(
            {name: (lambda f=f: f(data)) for name, f in jitted.items()},
            repeats,
            warmup,
        )
        out.append(
            table(
                f"Jitted log_prob {title}, x[{n:.0e}] float32",
                medians,
                "hand-written jnp",
                notes,
            )
        )
    return "\n".join(out)


def _mvn_cases(mode: str) -> str:
    import numpyro.distributions as npd
    from flowjax import distributions as fjd

    n = {"smoke": 10**3, "quick": 10**4, "full": 10**5}[mode]
    repeats = {"smoke": 2, "quick": 10, "full": 30}[mode]
    warmup = 1 if mode == "smoke" else 3
    d = 50
    k1, k2 = jax.random.split(jax.random.key(2))
    a = np.asarray(jax.random.normal(k1, (d, d)), dtype=np.float64)
    cov64 = a @ a.T / d + np.eye(d)
    tril64 = np.linalg.cholesky(cov64)
    x64 = np.asarray(jax.random.normal(k2, (n, d)), dtype=np.float64) * 2.0
    z64 = np.linalg.solve(tril64, x64.T).T
    ref = (
        -0.5 * np.sum(z64**2, -1)
        - np.sum(np.log(np.diag(tril64)))
        - d * 0.5 * math.log(2 * math.pi)
    )
    loc = jnp.zeros(d)
    tril = jnp.asarray(tril64, jnp.float32)
    cov = jnp.asarray(cov64, jnp.float32)
    x = jnp.asarray(x64, jnp.float32)
    fns = {
        "triangular-solve reference": lambda v: hand_mvn(loc, tril, v),
        "explicit-inverse formulation": lambda v: hand_mvn_inverse(loc, tril, v),
        "eqdist": lambda v: eqdist.MultivariateNormal(loc, scale_tril=tril).log_prob(v),
        "numpyro": lambda v: npd.MultivariateNormal(loc, scale_tril=tril).log_prob(v),
        "flowjax (from covariance)": lambda v: jax.vmap(
            fjd.MultivariateNormal(loc, cov).log_prob
        )(v),
    }
    jitted = {name: jax.jit(f) for name, f in fns.items()}
    notes = {}
    for name, f in jitted.items():
        err = np.max(np.abs(np.asarray(f(x), np.float64) - ref) / np.abs(ref))
        notes[name] = f"max rel. error vs float64 {err:.1e}"
    medians = compare(
        {name: (lambda f=f: f(x)) for name, f in jitted.items()}, repeats, warmup
    )
    return table(
        f"Jitted MultivariateNormal d=50 log_prob, x[{n:.0e}, 50] float32",
        medians,
        "triangular-solve reference",
        notes,
    )


def run(mode: str) -> str:
    return _scalar_cases(mode) + "\n" + _mvn_cases(mode)
