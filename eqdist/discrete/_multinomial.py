"""The multinomial distribution, parameterised by probabilities or by logits."""

from __future__ import annotations

import functools
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import gammaln, xlogy
from ._utils import as_count, binomial_draw, int_dtype, one_of


def _log_coefficient(value: Array, total_count: Array) -> Array:
    r"""$\log n! - \sum_i \log x_i!$."""
    n = total_count.astype(value.dtype)
    return gammaln(n + 1) - jnp.sum(gammaln(value + 1), axis=-1)


@functools.partial(jax.jit, static_argnames=("shape",))
def _sample_counts(
    key: PRNGKeyArray,
    total_count: Array,
    log_cond: Array,
    log_cond_complement: Array,
    shape: tuple[int, ...],
) -> Array:
    """Counts by sequential conditional binomials: category `i` takes
    `Binomial(remaining, c_i)` of the trials the earlier categories left, with
    `c_i = p_i / sum_{j >= i} p_j` given as `log c_i` and `log(1 - c_i)`. The last
    category takes what remains. The cost is `K` binomial draws, whatever `n` is.
    """
    k = shape[-1]
    batch = shape[:-1]
    # Scan over categories: move the category axis to the front. The parameters
    # keep their own batch shape (broadcast inside the draw): broadcasting them to
    # the sample shape here had XLA constant-fold the whole array.
    log_c = jnp.moveaxis(log_cond, -1, 0)[: k - 1]
    log_1mc = jnp.moveaxis(log_cond_complement, -1, 0)[: k - 1]
    keys = jax.random.split(key, max(k - 1, 1))[: k - 1]

    def step(remaining: Array, inputs: tuple) -> tuple[Array, Array]:
        key_i, lc, l1mc = inputs
        flip = lc > l1mc
        small = jnp.exp(jnp.minimum(lc, l1mc))
        # Inversion up to a mean of 30: for small batches its cost (a search of
        # about the mean's length) is below BTRS's redraw of rejected lanes.
        draw = binomial_draw(key_i, remaining, small, flip, batch, inversion_mean=30.0)
        return remaining - draw, draw

    remaining = jnp.broadcast_to(total_count.astype(int_dtype()), batch)
    remaining, draws = jax.lax.scan(step, remaining, (keys, log_c, log_1mc))
    counts = jnp.concatenate([draws, remaining[None]], axis=0)
    return jnp.moveaxis(counts, 0, -1)


def _conditional_from_logits(logits: Array) -> tuple[Array, Array]:
    """`log c_i` and `log(1 - c_i)` for `c_i = p_i / sum_{j >= i} p_j`, in log space
    (reverse cumulative logsumexp), so tiny or dominant categories stay accurate."""
    tail = jax.lax.cumlogsumexp(logits, axis=logits.ndim - 1, reverse=True)
    next_tail = jnp.concatenate(
        [tail[..., 1:], jnp.full_like(tail[..., :1], -jnp.inf)], axis=-1
    )
    return logits - tail, next_tail - tail


def _conditional_from_probs(probs: Array) -> tuple[Array, Array]:
    """`log c_i` and `log(1 - c_i)` from suffix sums of `probs` (no cancellation:
    `1 - c_i` is the ratio of the next suffix sum to this one)."""
    tail = jnp.flip(jnp.cumsum(jnp.flip(probs, -1), axis=-1), -1)
    next_tail = jnp.concatenate([tail[..., 1:], jnp.zeros_like(tail[..., :1])], axis=-1)
    positive = tail > 0
    safe_tail = jnp.where(positive, tail, 1.0)
    log_c = jnp.where(positive, jnp.log(probs) - jnp.log(safe_tail), -jnp.inf)
    log_1mc = jnp.where(positive, jnp.log(next_tail) - jnp.log(safe_tail), 0.0)
    return log_c, log_1mc


class MultinomialProbs(AbstractSimpleDistribution):
    r"""The multinomial distribution: counts of $n$ trials over $K$ categories with
    probabilities $p$.

    $$\log p(x) = \log n! - \sum_i \log x_i! + \sum_i x_i\log p_i,
    \quad x_i \ge 0,\ \sum_i x_i = n$$

    Samples are integer count vectors (default integer dtype), drawn by sequential
    conditional binomials ($K$ binomial draws, so the cost does not grow with $n$).
    Closed forms: `mean`, `variance`; `logits` $= \log p$ is a property.

    **Arguments:**

    - `probs`: the probabilities, shape `batch_shape + (K,)`, on the simplex.
    - `total_count`: the number of trials $n \ge 0$, an integer array (not trainable)
      broadcastable with `batch_shape`.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    probs: Float[Array, "*batch k"]
    total_count: Int[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "probs": constraints.simplex,
        "total_count": constraints.nonnegative_integer,
    }
    reparametrized_params: ClassVar = ()

    def __init__(
        self,
        probs: Real[ArrayLike, "*#batch k"],
        total_count: Real[ArrayLike, "*#batch"] = 1,
        validate_args: bool | None = None,
    ):
        total_count = as_count("MultinomialProbs", total_count)
        self._init_params(
            {"probs": (probs, 1), "total_count": (total_count, 0, int_dtype())},
            validate_args,
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.probs.shape[:-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.probs.shape[-1:]

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.multinomial(self.total_count)

    @property
    def logits(self) -> Float[Array, "*batch k"]:
        r"""$\log p_i$ (normalised logits)."""
        return jnp.log(self.probs)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        log_c, log_1mc = _conditional_from_probs(self.probs)
        return _sample_counts(
            key, self.total_count, log_c, log_1mc, self.shape(sample_shape)
        )

    def _log_prob(self, value: Array) -> Array:
        value = value.astype(self.probs.dtype)
        return _log_coefficient(value, self.total_count) + jnp.sum(
            xlogy(value, self.probs), axis=-1
        )

    @property
    def mean(self) -> Float[Array, "*batch k"]:
        return self.total_count[..., None] * self.probs

    @property
    def variance(self) -> Float[Array, "*batch k"]:
        return self.total_count[..., None] * self.probs * (1 - self.probs)


class MultinomialLogits(AbstractSimpleDistribution):
    r"""The multinomial distribution: counts of $n$ trials over $K$ categories with
    unnormalised log-probabilities $\ell$.

    $$\log p(x) = \log n! - \sum_i \log x_i! + \sum_i x_i\,\mathrm{log\_softmax}(\ell)_i,
    \quad x_i \ge 0,\ \sum_i x_i = n$$

    Samples are integer count vectors (default integer dtype), drawn by sequential
    conditional binomials whose probabilities are computed in log space ($K$
    binomial draws, so the cost does not grow with $n$). Closed forms: `mean`,
    `variance`; `probs` $=\mathrm{softmax}(\ell)$ is a property.

    **Arguments:**

    - `logits`: unnormalised log-probabilities, shape `batch_shape + (K,)`.
    - `total_count`: the number of trials $n \ge 0$, an integer array (not trainable)
      broadcastable with `batch_shape`.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    logits: Float[Array, "*batch k"]
    total_count: Int[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "logits": constraints.real_vector,
        "total_count": constraints.nonnegative_integer,
    }
    reparametrized_params: ClassVar = ()

    def __init__(
        self,
        logits: Real[ArrayLike, "*#batch k"],
        total_count: Real[ArrayLike, "*#batch"] = 1,
        validate_args: bool | None = None,
    ):
        total_count = as_count("MultinomialLogits", total_count)
        self._init_params(
            {"logits": (logits, 1), "total_count": (total_count, 0, int_dtype())},
            validate_args,
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.logits.shape[:-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.logits.shape[-1:]

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.multinomial(self.total_count)

    @property
    def probs(self) -> Float[Array, "*batch k"]:
        r"""$\mathrm{softmax}(\ell)$."""
        return jax.nn.softmax(self.logits, axis=-1)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        log_c, log_1mc = _conditional_from_logits(self.logits)
        return _sample_counts(
            key, self.total_count, log_c, log_1mc, self.shape(sample_shape)
        )

    def _log_prob(self, value: Array) -> Array:
        value = value.astype(self.logits.dtype)
        log_p = jax.nn.log_softmax(self.logits, axis=-1)
        # A zero count contributes nothing, even against a -inf log-probability.
        terms = jnp.where(value == 0, 0.0, value * log_p)
        return _log_coefficient(value, self.total_count) + jnp.sum(terms, axis=-1)

    @property
    def mean(self) -> Float[Array, "*batch k"]:
        return self.total_count[..., None] * self.probs

    @property
    def variance(self) -> Float[Array, "*batch k"]:
        p = self.probs
        return self.total_count[..., None] * p * (1 - p)


def Multinomial(
    total_count: Real[ArrayLike, "*#batch"] = 1,
    probs: Real[ArrayLike, "*#batch k"] | None = None,
    logits: Real[ArrayLike, "*#batch k"] | None = None,
    validate_args: bool | None = None,
) -> MultinomialProbs | MultinomialLogits:
    """A multinomial distribution: `MultinomialProbs` or `MultinomialLogits`.

    **Arguments:**

    - `total_count`: the number of trials, an integer array.
    - `probs`: probabilities on the last axis, or
    - `logits`: unnormalised log-probabilities (exactly one of the two).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """
    if one_of("Multinomial", probs, logits) == "probs":
        return MultinomialProbs(probs, total_count, validate_args=validate_args)
    return MultinomialLogits(logits, total_count, validate_args=validate_args)
