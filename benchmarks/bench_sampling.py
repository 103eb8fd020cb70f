"""Jitted sampling against `jax.random`, numpyro and (where installed) TFP's JAX
substrate, at the sizes of issue 6 (per-draw cost of rejection samplers depends on
size, so quick mode keeps the sizes and only cuts repeats), plus the correctness of
TruncatedNormal(low=5) in float32."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import scipy.stats

import eqdist

from ._timing import compare, table


def _tfd(mode: str):
    """TFP's JAX distributions, or None where TFP is not installed (or in smoke
    mode, whose test should not pay TFP's import)."""
    if mode == "smoke":
        return None
    try:
        from tensorflow_probability.substrates import jax as tfp
    except Exception:
        return None
    return tfp.distributions


def _tfp_cases(tfd) -> dict:
    """TFP's samplers for its rows (a "TFP" column where TFP is installed)."""
    p10 = jnp.full(10, 0.1)
    return {
        "Gamma(2.5)": lambda k, n: tfd.Gamma(2.5, 1.0).sample(n, seed=k),
        "Beta(2, 3)": lambda k, n: tfd.Beta(2.0, 3.0).sample(n, seed=k),
        "Dirichlet(ones(10))": lambda k, n: tfd.Dirichlet(jnp.ones(10)).sample(
            n, seed=k
        ),
        "Poisson(3)": lambda k, n: tfd.Poisson(3.0).sample(n, seed=k),
        "Poisson(300)": lambda k, n: tfd.Poisson(300.0).sample(n, seed=k),
        "Binomial(20, 0.3)": lambda k, n: tfd.Binomial(20.0, probs=0.3).sample(
            n, seed=k
        ),
        "Binomial(1000, 0.3)": lambda k, n: tfd.Binomial(1000.0, probs=0.3).sample(
            n, seed=k
        ),
        "Multinomial(100, 10 cats)": lambda k, n: tfd.Multinomial(
            100.0, probs=p10
        ).sample(n, seed=k),
        "LKJCholesky(10)": lambda k, n: tfd.CholeskyLKJ(10, 1.0).sample(n, seed=k),
    }


def _cases(npd):
    p10 = jnp.full(10, 0.1)
    cases = {
        "Gamma(2.5)": (
            10**6,
            {
                "jax.random": lambda k, n: jax.random.gamma(k, 2.5, (n,)),
                "eqdist": lambda k, n: eqdist.Gamma(2.5).sample(k, (n,)),
                "numpyro": lambda k, n: npd.Gamma(2.5).sample(k, (n,)),
            },
        ),
        "Beta(2, 3)": (
            10**6,
            {
                "jax.random": lambda k, n: jax.random.beta(k, 2.0, 3.0, (n,)),
                "eqdist": lambda k, n: eqdist.Beta(2.0, 3.0).sample(k, (n,)),
                "numpyro": lambda k, n: npd.Beta(2.0, 3.0).sample(k, (n,)),
            },
        ),
        "Dirichlet(ones(10))": (
            10**5,
            {
                "jax.random": lambda k, n: jax.random.dirichlet(k, jnp.ones(10), (n,)),
                "eqdist": lambda k, n: eqdist.Dirichlet(jnp.ones(10)).sample(k, (n,)),
                "numpyro": lambda k, n: npd.Dirichlet(jnp.ones(10)).sample(k, (n,)),
            },
        ),
        "Poisson(3)": (
            10**6,
            {
                "jax.random": lambda k, n: jax.random.poisson(k, 3.0, (n,)),
                "eqdist": lambda k, n: eqdist.Poisson(3.0).sample(k, (n,)),
                "numpyro": lambda k, n: npd.Poisson(3.0).sample(k, (n,)),
            },
        ),
        "Poisson(300)": (
            10**6,
            {
                "jax.random": lambda k, n: jax.random.poisson(k, 300.0, (n,)),
                "eqdist": lambda k, n: eqdist.Poisson(300.0).sample(k, (n,)),
                "numpyro": lambda k, n: npd.Poisson(300.0).sample(k, (n,)),
            },
        ),
        "Binomial(20, 0.3)": (
            10**6,
            {
                "jax.random": lambda k, n: jax.random.binomial(k, 20.0, 0.3, (n,)),
                "eqdist": lambda k, n: eqdist.Binomial(20, probs=0.3).sample(k, (n,)),
                "numpyro": lambda k, n: npd.Binomial(20, probs=0.3).sample(k, (n,)),
            },
        ),
        "Binomial(1000, 0.3)": (
            10**6,
            {
                "jax.random": lambda k, n: jax.random.binomial(k, 1000.0, 0.3, (n,)),
                "eqdist": lambda k, n: eqdist.Binomial(1000, probs=0.3).sample(k, (n,)),
                "numpyro": lambda k, n: npd.Binomial(1000, probs=0.3).sample(k, (n,)),
            },
        ),
        "TruncatedNormal(low=5) float32": (
            10**6,
            {
                "jax.random": lambda k, n: jax.random.truncated_normal(
                    k, 5.0, jnp.inf, (n,), jnp.float32
                ),
                "eqdist": lambda k, n: eqdist.TruncatedNormal(low=5.0).sample(k, (n,)),
                "numpyro": lambda k, n: npd.TruncatedNormal(0.0, 1.0, low=5.0).sample(
                    k, (n,)
                ),
            },
        ),
        "Multinomial(100, 10 cats)": (
            10**4,
            {
                "jax.random": lambda k, n: jax.random.multinomial(
                    k, 100.0, p10, shape=(n, 10)
                ),
                "eqdist": lambda k, n: eqdist.Multinomial(100, probs=p10).sample(
                    k, (n,)
                ),
                "numpyro": lambda k, n: npd.Multinomial(100, probs=p10).sample(k, (n,)),
            },
        ),
        "LKJCholesky(10)": (
            10**3,
            {
                "eqdist": lambda k, n: eqdist.LKJCholesky(10, 1.0).sample(k, (n,)),
                "numpyro": lambda k, n: npd.LKJCholesky(10, 1.0).sample(k, (n,)),
            },
        ),
    }
    return cases


def _truncated_checks(samples: dict[str, np.ndarray]) -> dict[str, str]:
    """In-bounds fraction, distinct values and moments against the exact ones."""
    exact = scipy.stats.truncnorm(5.0, np.inf)
    notes = {}
    for name, x in samples.items():
        x = np.asarray(x, np.float64)
        inside = np.mean((x >= 5.0) & np.isfinite(x))
        finite = x[np.isfinite(x)]
        notes[name] = (
            f"in bounds {inside:.2%}; {len(np.unique(x))} distinct; "
            f"{x.size - finite.size} non-finite; finite mean {finite.mean():.4f} "
            f"(exact {exact.mean():.4f}); var {finite.var():.4f} "
            f"(exact {exact.var():.4f})"
        )
    return notes


def run(mode: str) -> str:
    import numpyro.distributions as npd

    repeats = {"smoke": 2, "quick": 2, "full": 9}[mode]
    warmup = 1
    key = jax.random.key(3)
    tfd = _tfd(mode)
    cases = _cases(npd)
    if tfd is not None:
        for title, fn in _tfp_cases(tfd).items():
            cases[title][1]["TFP"] = fn
    out = []
    for title, (n, fns) in cases.items():
        if mode == "smoke":
            if not title.startswith(("Truncated", "LKJ")):
                continue
            n = min(n, 1000)
        elif mode == "quick":
            # Per-draw cost of rejection samplers depends on the size: quick-mode
            # ratios are indicative only; the targets are judged on the full run.
            n = max(n // 10, 1000)
        jitted = {name: jax.jit(f, static_argnums=1) for name, f in fns.items()}
        notes = None
        if title.startswith("TruncatedNormal"):
            notes = _truncated_checks({k: f(key, n) for k, f in jitted.items()})
        medians = compare(
            {name: (lambda f=f: f(key, n)) for name, f in jitted.items()},
            repeats,
            warmup,
        )
        reference = "jax.random" if "jax.random" in medians else "numpyro"
        out.append(
            table(f"Jitted sampling {title}, {n:.0e} draws", medians, reference, notes)
        )
    return "\n".join(out)
