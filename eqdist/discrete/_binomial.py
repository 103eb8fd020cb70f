"""The binomial distribution, parameterised by probabilities or by logits."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import binomial_deviance, stirling_error, xlog1py, xlogy
from .._validation import is_traced
from ._utils import as_count, binomial_draw, int_dtype, one_of

_LOG_TWO_PI = math.log(2 * math.pi)


@jax.jit
def _log_pmf(
    k: Array, n: Array, p: Array, q: Array, n_log_p: Array, n_log_q: Array
) -> Array:
    r"""$\log\binom{n}{k} + k\log p + (n-k)\log q$ in Loader's saddle-point form:
    $\delta(n) - \delta(k) - \delta(n-k) - \mathrm{bd0}(k, np) - \mathrm{bd0}(n-k, nq)
    - \tfrac12\log(2\pi k(1-k/n))$, with $\delta$ the Stirling error (Loader 2000,
    "Fast and accurate computation of binomial probabilities"). Unlike a sum of
    $\log\Gamma$ terms of size $n\log n$ it does not cancel at large $n$. The edges
    $k = 0$ and $k = n$ are $n\log q$ and $n\log p$ (given as `n_log_q`, `n_log_p`).
    """
    k = k.astype(p.dtype)
    n = n.astype(p.dtype)
    inner = (k > 0) & (k < n)
    # Stand-ins with 0 < k < n where the saddle-point form is not used (double where).
    ks = jnp.where(inner, k, 1.0)
    ns = jnp.where(inner, n, 2.0)
    # p or q may be exactly 0 (float32 sigmoid of -100): bd0(k, 0) is infinite with
    # an infinite gradient, which the outer `where` would turn into NaN.
    ps = jnp.where(inner, p, 0.5)
    qs = jnp.where(inner, q, 0.5)
    middle = (
        stirling_error(ns)
        - stirling_error(ks)
        - stirling_error(ns - ks)
        - binomial_deviance(ks, ns * ps)
        - binomial_deviance(ns - ks, ns * qs)
        - 0.5 * (_LOG_TWO_PI + jnp.log(ks) + jnp.log1p(-ks / ns))
    )
    edge = jnp.where(k == 0, n_log_q, n_log_p)
    return jnp.where(inner, middle, edge)


def _enumerate_counts(
    name: str, total_count: Array, batch_shape: tuple[int, ...], expand: bool
) -> Array:
    if is_traced(total_count):
        raise ValueError(
            f"{name}.enumerate_support: `total_count` must be concrete (not traced "
            "under jit/vmap/grad): the support's size is a shape."
        )
    counts = np.asarray(total_count)
    if counts.size and not np.all(counts == counts.flat[0]):
        raise ValueError(
            f"{name}.enumerate_support: needs a homogeneous `total_count` (the same "
            f"count for every batch element), got {counts!r}."
        )
    n = int(counts.flat[0]) if counts.size else 0
    values = jnp.arange(n + 1, dtype=int_dtype())
    values = values.reshape((n + 1,) + (1,) * len(batch_shape))
    return jnp.broadcast_to(values, (n + 1,) + batch_shape) if expand else values


class BinomialProbs(AbstractSimpleDistribution):
    r"""The binomial distribution: successes in $n$ trials of probability $p$.

    $$\log p(k) = \log\binom{n}{k} + k\log p + (n-k)\log(1-p), \quad k = 0..n$$

    evaluated in Loader's saddle-point form (accurate for $n$ in the millions).
    Samples are integers of the default integer dtype, drawn by inversion for small
    $np$ and by the BTRS transformed rejection of Hörmann (1993), "The generation of
    binomial random variates", otherwise (`jax.random.binomial`). Closed forms:
    `mean`, `variance`, `enumerate_support(expand=True)` (for a homogeneous, concrete
    `total_count`); `logits` is a property.

    **Arguments:**

    - `probs`: the success probability $p \in [0, 1]$, any batch shape.
    - `total_count`: the number of trials $n \ge 0$, an integer array (not trainable),
      broadcastable with `probs`.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    probs: Float[Array, "*batch"]
    total_count: Int[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "probs": constraints.unit_interval,
        "total_count": constraints.nonnegative_integer,
    }
    reparametrized_params: ClassVar = ()

    def __init__(
        self,
        probs: Real[ArrayLike, "*#batch"],
        total_count: Real[ArrayLike, "*#batch"] = 1,
        validate_args: bool | None = None,
    ):
        total_count = as_count("BinomialProbs", total_count)
        self._init_params(
            {"probs": (probs, 0), "total_count": (total_count, 0, int_dtype())},
            validate_args,
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.probs.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def logits(self) -> Float[Array, "*batch"]:
        r"""$\log p - \log(1 - p)$."""
        return jnp.log(self.probs) - jnp.log1p(-self.probs)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        flip = self.probs > 0.5
        # 1 - p is exact for p > 1/2 (Sterbenz), so the small probability is exact.
        small = jnp.where(flip, 1 - self.probs, self.probs)
        return binomial_draw(
            key, self.total_count, small, flip, self.shape(sample_shape)
        )

    def _log_prob(self, value: Array) -> Array:
        n = self.total_count.astype(self.probs.dtype)
        p = self.probs
        # Zero mass (k > 0 at p = 0, k < n at p = 1; float32 rounds 1 - 1e-12 to 1):
        # the constant -inf, with p swapped for a stand-in ("double where"), since
        # log q has an infinite derivative at q = 0 that the support mask's `where`
        # would turn into a NaN gradient.
        impossible = ((value > 0) & (p == 0)) | ((value < n) & (p == 1))
        p = jnp.where(impossible, 0.5, p)
        # Only the edge in use gets `n`, so that the other (infinite at p = 0 or 1)
        # has a zero, not an infinite, gradient.
        at_zero = value == 0
        n_log_p = xlogy(jnp.where(at_zero, 0.0, n), p)
        n_log_q = xlog1py(jnp.where(at_zero, n, 0.0), -p)
        log_mass = _log_pmf(value, self.total_count, p, 1 - p, n_log_p, n_log_q)
        return jnp.where(impossible, -jnp.inf, log_mass)

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return self.total_count * self.probs

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return self.total_count * self.probs * (1 - self.probs)

    def enumerate_support(self, expand: bool = True) -> Int[Array, "n ..."]:
        """The values `0..total_count` along a new leading axis, broadcast to the batch
        shape when `expand`. Needs the same concrete `total_count` everywhere."""
        return _enumerate_counts(
            "BinomialProbs", self.total_count, self.batch_shape, expand
        )


class BinomialLogits(AbstractSimpleDistribution):
    r"""The binomial distribution: successes in $n$ trials of log-odds $\ell$.

    $$\log p(k) = \log\binom{n}{k} - k\,\mathrm{softplus}(-\ell)
    - (n-k)\,\mathrm{softplus}(\ell), \quad k = 0..n$$

    evaluated in Loader's saddle-point form (accurate for $n$ in the millions and
    for large $|\ell|$). Samples are integers of the default integer dtype, drawn by
    inversion for small $np$ and by the BTRS transformed rejection of Hörmann (1993),
    "The generation of binomial random variates", otherwise
    (`jax.random.binomial`). Closed forms: `mean`, `variance`,
    `enumerate_support(expand=True)` (for a homogeneous, concrete `total_count`);
    `probs` is a property.

    **Arguments:**

    - `logits`: the log-odds $\ell$, any batch shape.
    - `total_count`: the number of trials $n \ge 0$, an integer array (not trainable),
      broadcastable with `logits`.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    logits: Float[Array, "*batch"]
    total_count: Int[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "logits": constraints.real,
        "total_count": constraints.nonnegative_integer,
    }
    reparametrized_params: ClassVar = ()

    def __init__(
        self,
        logits: Real[ArrayLike, "*#batch"],
        total_count: Real[ArrayLike, "*#batch"] = 1,
        validate_args: bool | None = None,
    ):
        total_count = as_count("BinomialLogits", total_count)
        self._init_params(
            {"logits": (logits, 0), "total_count": (total_count, 0, int_dtype())},
            validate_args,
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.logits.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def probs(self) -> Float[Array, "*batch"]:
        r"""$\sigma(\ell)$."""
        return jax.nn.sigmoid(self.logits)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        # sigmoid(-|l|) is the smaller probability, accurate however large |l| is.
        small = jax.nn.sigmoid(-jnp.abs(self.logits))
        return binomial_draw(
            key, self.total_count, small, self.logits > 0, self.shape(sample_shape)
        )

    def _log_prob(self, value: Array) -> Array:
        n = self.total_count.astype(self.logits.dtype)
        l = self.logits  # noqa: E741
        return _log_pmf(
            value,
            self.total_count,
            jax.nn.sigmoid(l),
            jax.nn.sigmoid(-l),
            -n * jax.nn.softplus(-l),
            -n * jax.nn.softplus(l),
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return self.total_count * self.probs

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return (
            self.total_count
            * jax.nn.sigmoid(self.logits)
            * jax.nn.sigmoid(-self.logits)
        )

    def enumerate_support(self, expand: bool = True) -> Int[Array, "n ..."]:
        """The values `0..total_count` along a new leading axis, broadcast to the batch
        shape when `expand`. Needs the same concrete `total_count` everywhere."""
        return _enumerate_counts(
            "BinomialLogits", self.total_count, self.batch_shape, expand
        )


def Binomial(
    total_count: Real[ArrayLike, "*#batch"] = 1,
    probs: Real[ArrayLike, "*#batch"] | None = None,
    logits: Real[ArrayLike, "*#batch"] | None = None,
    validate_args: bool | None = None,
) -> BinomialProbs | BinomialLogits:
    """A binomial distribution: `BinomialProbs` or `BinomialLogits`.

    **Arguments:**

    - `total_count`: the number of trials, an integer array.
    - `probs`: the success probability, or
    - `logits`: the log-odds (exactly one of the two).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """
    if one_of("Binomial", probs, logits) == "probs":
        return BinomialProbs(probs, total_count, validate_args=validate_args)
    return BinomialLogits(logits, total_count, validate_args=validate_args)
