"""One table of every public distribution, for the cross-cutting test suites.

Each `Entry` has

- `build(params)`: the distribution from a dict of array parameters. It is a plain
  function of arrays (static configuration is closed over), so it works under
  `jax.jit` and `jax.vmap` and one compiled probe serves every parameter value;
- `typical(batch_shape)`: a dict of float64 NumPy parameters, already broadcast to
  `batch_shape` (plus the parameter's own event axes), at ordinary values;
- `strategy`: a hypothesis strategy of parameter dicts at `PROPERTY_BATCH`, drawing
  near-boundary values (scales 1e-30 and 1e30, concentrations 1e-3 and 1e4,
  probabilities 1e-12 and 1 - 1e-12, logits +-100) as well as ordinary ones;
- `outside(dist)`: a value of the right shape outside the support, or `None` when the
  support is the whole space.

`test_registry_covers_every_public_distribution` (in test_every_distribution.py)
fails when a public distribution class is missing here.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable

import equinox as eqx
import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np

import eqdist
from eqdist.flows import masked_autoregressive_flow

# The batch shape of every hypothesis draw: one shape, so one compilation per entry.
PROPERTY_BATCH = (2, 3)
K = 3  # categories / vector length / matrix size


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    cls: type
    build: Callable[[dict], eqdist.Distribution]
    typical: Callable[[tuple[int, ...]], dict]
    strategy: st.SearchStrategy | None
    outside: Callable[[eqdist.Distribution], jax.Array] | None = None
    discrete: bool = False

    def __repr__(self) -> str:
        return self.name


# --- element strategies (the boundary values the issue names, plus ordinary ones) ---

_scale = st.sampled_from([1e-30, 1e30]) | st.floats(1e-3, 1e3)
_loc = st.sampled_from([0.0, -1e3, 1e3]) | st.floats(-1e2, 1e2)
_conc = st.sampled_from([1e-3, 1e4]) | st.floats(1e-2, 1e2)
_prob = st.sampled_from([1e-12, 1 - 1e-12]) | st.floats(0.01, 0.99)
_logit = st.sampled_from([-100.0, 100.0]) | st.floats(-10.0, 10.0)
_df = st.sampled_from([1e-3, 0.05, 0.1, 1e4]) | st.floats(0.1, 1e2)
# LKJ below 0.05: the factor's true diagonal falls below the dtype's smallest
# number (1e-154 in float64 at 0.01), draws have a 0 diagonal (tests/README.md).
_lkj_conc = st.sampled_from([0.05, 1e4]) | st.floats(0.1, 1e3)
_rate = st.sampled_from([1e-30, 1e-3, 1e4]) | st.floats(1e-2, 1e2)


def _arr(elements, shape=PROPERTY_BATCH):
    return hnp.arrays(np.float64, shape, elements=elements)


def _fixed(**strategies):
    return st.fixed_dictionaries(strategies)


def _full(batch, value, event=()):
    return np.full(tuple(batch) + tuple(event), value, dtype=np.float64)


def _ramp(batch, lo, hi, event=()):
    """Distinct values in [lo, hi] over `batch + event` (so batch members differ)."""
    shape = tuple(batch) + tuple(event)
    n = int(np.prod(shape))
    return np.linspace(lo, hi, max(n, 1))[:n].reshape(shape).astype(np.float64)


# --- outside-the-support values ---------------------------------------------------


# Each takes the distribution and returns two outside values: `sample_shape` (2,).
# They use jnp so that they work on traced distributions.


def _dtype(d):
    return jax.tree.leaves(d)[0].dtype


def _minus_one(d):
    return -jnp.ones(d.shape((2,)), _dtype(d))


def _below_low(d):
    return d.low - 1 + jnp.zeros(d.shape((2,)), _dtype(d))


def _half_value(d):
    return jnp.full(d.shape((2,)), 0.5, _dtype(d))


def _bad_simplex(d):
    return jnp.full(d.shape((2,)), 0.9, _dtype(d))


def _bad_cholesky(d):
    eye = 2 * jnp.eye(d.event_shape[-1], dtype=_dtype(d))
    return jnp.broadcast_to(eye, d.shape((2,)))


# --- builders (module level: stable identity for the jit caches) -------------------


def _expanded(p):
    loc, scale = p["loc"], p["scale"]
    if loc.ndim == 0:
        return eqdist.ExpandedDistribution(eqdist.Normal(loc, scale), ())
    base = eqdist.Normal(loc[..., :1], scale[..., :1])
    return eqdist.ExpandedDistribution(base, loc.shape)


def _transformed(p):
    loc = p["loc"]
    shift = jnp.asarray(1.0, loc.dtype)
    return eqdist.TransformedDistribution(
        eqdist.Normal(loc, p["scale"]),
        [
            eqdist.transforms.ExpTransform(),
            eqdist.transforms.AffineTransform(shift, 2 * shift),
        ],
    )


def _flow(p):
    base = eqdist.Normal(p["loc"], p["scale"])
    return masked_autoregressive_flow(
        jax.random.key(0), base, num_layers=2, hidden_dims=(4,)
    )


def _mvn(p):
    return eqdist.MultivariateNormal(p["loc"], scale_tril=p["scale_tril"])


def _tril(batch):
    m = np.tril(np.full((K, K), 0.3)) + np.eye(K)
    return np.broadcast_to(m, tuple(batch) + (K, K)).copy()


def _tril_strategy():
    # L = S M: row scales S of 1e-30 and 1e30 (the scales: coordinate i has
    # standard deviation of order s_i) times a moderately conditioned triangle M.
    # Row scaling cancels in the triangular solve, so any S is fine. What is not
    # drawn is a diagonal entry far below the off-diagonal entries of its column
    # (e.g. diagonal 1e-30 under O(1) off-diagonal entries): L^{-1} then grows by
    # that ratio per row, 1e60 at K = 3, beyond float32 and past the digits of the
    # sample itself whatever the code does (tests/README.md, known limitations).
    rows = _arr(_scale, PROPERTY_BATCH + (K,))
    diag = _arr(
        st.sampled_from([0.1, 10.0]) | st.floats(0.1, 10.0), PROPERTY_BATCH + (K,)
    )
    off = _arr(st.floats(-2.0, 2.0), PROPERTY_BATCH + (K, K))
    return st.tuples(rows, diag, off).map(
        lambda t: t[0][..., None] * (np.tril(t[2], -1) + t[1][..., None] * np.eye(K))
    )


def _lkj(method):
    def build(p):
        return eqdist.LKJCholesky(K, p["concentration"], sample_method=method)

    return build


def _counts_strategy():
    return hnp.arrays(
        np.int64, PROPERTY_BATCH, elements=st.sampled_from([0, 1, 5, 1000])
    )


def _count(batch, n):
    return np.full(tuple(batch), n, dtype=np.int64)


def _simplex_strategy():
    return _arr(_prob, PROPERTY_BATCH + (K,)).map(
        lambda p: p / p.sum(-1, keepdims=True)
    )


def _entries() -> list[Entry]:
    E = Entry
    two = dict(loc=_loc, scale=_scale)
    entries = [
        E(
            "Normal",
            eqdist.Normal,
            lambda p: eqdist.Normal(p["loc"], p["scale"]),
            lambda b: dict(loc=_ramp(b, -1, 1), scale=_ramp(b, 0.5, 2)),
            _fixed(loc=_arr(_loc), scale=_arr(_scale)),
        ),
        E(
            "Cauchy",
            eqdist.Cauchy,
            lambda p: eqdist.Cauchy(p["loc"], p["scale"]),
            lambda b: dict(loc=_ramp(b, -1, 1), scale=_ramp(b, 0.5, 2)),
            _fixed(**{k: _arr(v) for k, v in two.items()}),
        ),
        E(
            "LogNormal",
            eqdist.LogNormal,
            lambda p: eqdist.LogNormal(p["loc"], p["scale"]),
            lambda b: dict(loc=_ramp(b, -1, 1), scale=_ramp(b, 0.5, 1)),
            _fixed(
                loc=_arr(st.sampled_from([-50.0, 50.0]) | st.floats(-5, 5)),
                scale=_arr(st.floats(1e-3, 3)),
            ),
            _minus_one,
        ),
        E(
            "StudentT",
            eqdist.StudentT,
            lambda p: eqdist.StudentT(p["df"], p["loc"], p["scale"]),
            lambda b: dict(
                df=_ramp(b, 1.5, 6), loc=_ramp(b, -1, 1), scale=_ramp(b, 0.5, 2)
            ),
            # df of 1e-3: half the draws lie beyond float64 (clipped to its max).
            _fixed(df=_arr(_df), loc=_arr(_loc), scale=_arr(_scale)),
        ),
        E(
            "HalfNormal",
            eqdist.HalfNormal,
            lambda p: eqdist.HalfNormal(p["scale"]),
            lambda b: dict(scale=_ramp(b, 0.5, 2)),
            _fixed(scale=_arr(_scale)),
            _minus_one,
        ),
        E(
            "HalfCauchy",
            eqdist.HalfCauchy,
            lambda p: eqdist.HalfCauchy(p["scale"]),
            lambda b: dict(scale=_ramp(b, 0.5, 2)),
            _fixed(scale=_arr(_scale)),
            _minus_one,
        ),
        E(
            "Uniform",
            eqdist.Uniform,
            lambda p: eqdist.Uniform(p["low"], p["low"] + p["width"]),
            lambda b: dict(low=_ramp(b, -1, 1), width=_ramp(b, 1, 3)),
            _fixed(low=_arr(_loc), width=_arr(st.floats(1e-3, 1e3))),
            _below_low,
        ),
        E(
            "Exponential",
            eqdist.Exponential,
            lambda p: eqdist.Exponential(p["rate"]),
            lambda b: dict(rate=_ramp(b, 0.5, 2)),
            _fixed(rate=_arr(_rate)),
            _minus_one,
        ),
        E(
            "Gamma",
            eqdist.Gamma,
            lambda p: eqdist.Gamma(p["concentration"], p["rate"]),
            lambda b: dict(concentration=_ramp(b, 0.5, 3), rate=_ramp(b, 0.5, 2)),
            _fixed(concentration=_arr(_conc), rate=_arr(_rate)),
            _minus_one,
        ),
        E(
            "Chi2",
            eqdist.Chi2,
            lambda p: eqdist.Chi2(p["df"]),
            lambda b: dict(df=_ramp(b, 1, 5)),
            _fixed(df=_arr(_conc)),
            _minus_one,
        ),
        E(
            "InverseGamma",
            eqdist.InverseGamma,
            lambda p: eqdist.InverseGamma(p["concentration"], p["rate"]),
            lambda b: dict(concentration=_ramp(b, 1.5, 4), rate=_ramp(b, 0.5, 2)),
            _fixed(concentration=_arr(_conc), rate=_arr(_rate)),
            _minus_one,
        ),
        E(
            "Beta",
            eqdist.Beta,
            lambda p: eqdist.Beta(p["concentration1"], p["concentration0"]),
            lambda b: dict(
                concentration1=_ramp(b, 0.5, 3), concentration0=_ramp(b, 1, 4)
            ),
            _fixed(concentration1=_arr(_conc), concentration0=_arr(_conc)),
            _minus_one,
        ),
        E(
            "Pareto",
            eqdist.Pareto,
            lambda p: eqdist.Pareto(p["alpha"], p["scale"]),
            lambda b: dict(alpha=_ramp(b, 1, 3), scale=_ramp(b, 0.5, 2)),
            _fixed(alpha=_arr(_conc), scale=_arr(_scale)),
            _minus_one,
        ),
        E(
            "TruncatedNormal",
            eqdist.TruncatedNormal,
            lambda p: eqdist.TruncatedNormal(p["low"], p["loc"], p["scale"]),
            lambda b: dict(
                low=_ramp(b, -1, 1), loc=_ramp(b, -0.5, 0.5), scale=_ramp(b, 0.5, 2)
            ),
            _fixed(
                low=_arr(st.floats(-5, 5)),
                loc=_arr(st.floats(-5, 5)),
                scale=_arr(st.floats(0.05, 10)),
            ),
            _below_low,
        ),
        E(
            "TruncatedCauchy",
            eqdist.TruncatedCauchy,
            lambda p: eqdist.TruncatedCauchy(p["low"], p["loc"], p["scale"]),
            lambda b: dict(
                low=_ramp(b, -1, 1), loc=_ramp(b, -0.5, 0.5), scale=_ramp(b, 0.5, 2)
            ),
            _fixed(
                low=_arr(st.floats(-5, 5)),
                loc=_arr(st.floats(-5, 5)),
                scale=_arr(st.floats(0.05, 10)),
            ),
            _below_low,
        ),
        E(
            "GaussianRandomWalk",
            eqdist.GaussianRandomWalk,
            lambda p: eqdist.GaussianRandomWalk(p["scale"], num_steps=4),
            lambda b: dict(scale=_ramp(b, 0.5, 2)),
            _fixed(scale=_arr(_scale)),
        ),
        E(
            "Dirichlet",
            eqdist.Dirichlet,
            lambda p: eqdist.Dirichlet(p["concentration"]),
            lambda b: dict(concentration=_ramp(b, 0.5, 3, (K,))),
            _fixed(concentration=_arr(_conc, PROPERTY_BATCH + (K,))),
            _bad_simplex,
        ),
        E(
            "MultivariateNormal",
            eqdist.MultivariateNormal,
            _mvn,
            lambda b: dict(loc=_ramp(b, -1, 1, (K,)), scale_tril=_tril(b)),
            _fixed(
                loc=_arr(st.floats(-1e3, 1e3), PROPERTY_BATCH + (K,)),
                scale_tril=_tril_strategy(),
            ),
        ),
        E(
            "LKJCholesky",
            eqdist.LKJCholesky,
            _lkj("onion"),
            lambda b: dict(concentration=_ramp(b, 0.5, 3)),
            _fixed(concentration=_arr(_lkj_conc)),
            _bad_cholesky,
        ),
        E(
            "LKJCholesky-cvine",
            eqdist.LKJCholesky,
            _lkj("cvine"),
            lambda b: dict(concentration=_ramp(b, 0.5, 3)),
            _fixed(concentration=_arr(_lkj_conc)),
            _bad_cholesky,
        ),
        E(
            "BernoulliProbs",
            eqdist.BernoulliProbs,
            lambda p: eqdist.BernoulliProbs(p["probs"]),
            lambda b: dict(probs=_ramp(b, 0.2, 0.8)),
            _fixed(probs=_arr(_prob)),
            _half_value,
            discrete=True,
        ),
        E(
            "BernoulliLogits",
            eqdist.BernoulliLogits,
            lambda p: eqdist.BernoulliLogits(p["logits"]),
            lambda b: dict(logits=_ramp(b, -2, 2)),
            _fixed(logits=_arr(_logit)),
            _half_value,
            discrete=True,
        ),
        E(
            "BinomialProbs",
            eqdist.BinomialProbs,
            lambda p: eqdist.BinomialProbs(p["probs"], p["total_count"]),
            lambda b: dict(probs=_ramp(b, 0.2, 0.8), total_count=_count(b, 7)),
            _fixed(probs=_arr(_prob), total_count=_counts_strategy()),
            _half_value,
            discrete=True,
        ),
        E(
            "BinomialLogits",
            eqdist.BinomialLogits,
            lambda p: eqdist.BinomialLogits(p["logits"], p["total_count"]),
            lambda b: dict(logits=_ramp(b, -2, 2), total_count=_count(b, 7)),
            _fixed(logits=_arr(_logit), total_count=_counts_strategy()),
            _half_value,
            discrete=True,
        ),
        E(
            "CategoricalProbs",
            eqdist.CategoricalProbs,
            lambda p: eqdist.CategoricalProbs(p["probs"]),
            lambda b: dict(probs=_full(b, 1.0 / K, (K,))),
            _fixed(probs=_simplex_strategy()),
            _minus_one,
            discrete=True,
        ),
        E(
            "CategoricalLogits",
            eqdist.CategoricalLogits,
            lambda p: eqdist.CategoricalLogits(p["logits"]),
            lambda b: dict(logits=_ramp(b, -1, 1, (K,))),
            _fixed(logits=_arr(_logit, PROPERTY_BATCH + (K,))),
            _minus_one,
            discrete=True,
        ),
        E(
            "MultinomialProbs",
            eqdist.MultinomialProbs,
            lambda p: eqdist.MultinomialProbs(p["probs"], p["total_count"]),
            lambda b: dict(probs=_full(b, 1.0 / K, (K,)), total_count=_count(b, 5)),
            _fixed(probs=_simplex_strategy(), total_count=_counts_strategy()),
            _minus_one,
            discrete=True,
        ),
        E(
            "MultinomialLogits",
            eqdist.MultinomialLogits,
            lambda p: eqdist.MultinomialLogits(p["logits"], p["total_count"]),
            lambda b: dict(logits=_ramp(b, -1, 1, (K,)), total_count=_count(b, 5)),
            _fixed(
                logits=_arr(_logit, PROPERTY_BATCH + (K,)),
                total_count=_counts_strategy(),
            ),
            _minus_one,
            discrete=True,
        ),
        E(
            "Poisson",
            eqdist.Poisson,
            lambda p: eqdist.Poisson(p["rate"]),
            lambda b: dict(rate=_ramp(b, 0.5, 5)),
            _fixed(
                rate=_arr(st.sampled_from([1e-30, 1e-3, 1e4]) | st.floats(0.01, 1e2))
            ),
            _half_value,
            discrete=True,
        ),
        E(
            "Delta",
            eqdist.Delta,
            lambda p: eqdist.Delta(p["value"], p["log_density"]),
            lambda b: dict(value=_ramp(b, -1, 1), log_density=_full(b, 0.0)),
            _fixed(value=_arr(_loc), log_density=_arr(st.floats(-10, 10))),
            lambda d: d.value + 1 + jnp.zeros(d.shape((2,)), d.value.dtype),
        ),
        E(
            "Independent",
            eqdist.Independent,
            lambda p: eqdist.Independent(eqdist.Normal(p["loc"], p["scale"]), 1),
            lambda b: dict(loc=_ramp(b, -1, 1, (2,)), scale=_ramp(b, 0.5, 2, (2,))),
            _fixed(
                loc=_arr(_loc, PROPERTY_BATCH + (2,)),
                scale=_arr(_scale, PROPERTY_BATCH + (2,)),
            ),
        ),
        E(
            "ExpandedDistribution",
            eqdist.ExpandedDistribution,
            _expanded,
            lambda b: dict(loc=_full(b, 0.5), scale=_full(b, 2.0)),
            _fixed(loc=_arr(_loc), scale=_arr(_scale)),
        ),
        E(
            "TransformedDistribution",
            eqdist.TransformedDistribution,
            _transformed,
            lambda b: dict(loc=_ramp(b, -1, 1), scale=_ramp(b, 0.5, 1)),
            _fixed(loc=_arr(st.floats(-3, 3)), scale=_arr(st.floats(1e-2, 2))),
            _minus_one,
        ),
        E(
            "flow",
            eqdist.TransformedDistribution,
            _flow,
            lambda b: dict(loc=_ramp(b, -1, 1, (2,)), scale=_ramp(b, 0.5, 2, (2,))),
            _fixed(
                loc=_arr(st.floats(-10, 10), PROPERTY_BATCH + (2,)),
                scale=_arr(st.floats(1e-2, 10), PROPERTY_BATCH + (2,)),
            ),
        ),
    ]
    return entries


ENTRIES = _entries()
BY_NAME = {e.name: e for e in ENTRIES}

# Public distribution classes that the sample/log_prob tables cannot cover.
SAMPLE_ONLY = {eqdist.PRNGIdentity}


def public_distribution_classes() -> set[type]:
    out = set()
    for name in dir(eqdist):
        obj = getattr(eqdist, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, eqdist.AbstractDistribution)
            and not inspect.isabstract(obj)
            and not obj.__name__.startswith("Abstract")
        ):
            out.add(obj)
    return out


def as_dtype(params: dict, dtype) -> dict:
    """Float parameters cast to `dtype`; integer counts stay as they are."""
    return {
        k: np.asarray(v, dtype) if np.issubdtype(v.dtype, np.floating) else v
        for k, v in params.items()
    }


def probe_fn(entry: Entry) -> Callable:
    """`f(params, key) -> dict` of a sample, its log_prob, the gradient of log_prob
    w.r.t. the float parameters, and (where the support is bounded) log_prob and its
    gradient at values outside the support. Not jitted: see `probe`."""

    def f(params, key):
        d = entry.build(params)
        x = d.sample(key, (4,))
        x_const = jax.lax.stop_gradient(x)

        def total(p, value):
            return jnp.sum(entry.build(p).log_prob(value))

        out = {
            "x": x,
            "log_prob": d.log_prob(x),
            "grad": eqx.filter_grad(total)(params, x_const),
        }
        if entry.outside is not None:
            xo = jax.lax.stop_gradient(entry.outside(d))
            out["outside"] = d.log_prob(xo)
            out["outside_grad"] = eqx.filter_grad(total)(params, xo)
            out["outside_value_grad"] = (
                jax.grad(
                    lambda v: jnp.sum(
                        jnp.where(jnp.isfinite(lp := d.log_prob(v)), lp, 0)
                    )
                )(xo)
                if not entry.discrete
                else xo
            )
        return out

    return f


@functools.cache
def probe(name: str) -> Callable:
    """The jitted `probe_fn` of the entry `name`: one compilation per entry, shape and
    dtype, shared by every test module."""
    return jax.jit(probe_fn(BY_NAME[name]))
