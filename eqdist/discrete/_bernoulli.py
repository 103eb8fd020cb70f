"""The Bernoulli distribution, parameterised by probabilities or by logits."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import xlog1py, xlogy
from ._utils import int_dtype, one_of


def _enumerate_binary(batch_shape: tuple[int, ...], expand: bool) -> Array:
    values = jnp.arange(2, dtype=int_dtype()).reshape((2,) + (1,) * len(batch_shape))
    return jnp.broadcast_to(values, (2,) + batch_shape) if expand else values


class BernoulliProbs(AbstractSimpleDistribution):
    r"""The Bernoulli distribution on $\{0, 1\}$ with success probability $p$.

    $$\log p(x) = x\log p + (1-x)\log(1-p)$$

    Samples are integers of the default integer dtype. Closed forms: `mean`,
    `variance`, `entropy()`, `enumerate_support(expand=True)`; the `logits`
    $\log p - \log(1-p)$ are a property.

    **Arguments:**

    - `probs`: the success probability $p \in [0, 1]$, any batch shape.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    probs: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"probs": constraints.unit_interval}
    reparametrized_params: ClassVar = ()

    def __init__(
        self, probs: Real[ArrayLike, "*#batch"], validate_args: bool | None = None
    ):
        self._init_params({"probs": (probs, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.probs.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.boolean

    @property
    def logits(self) -> Float[Array, "*batch"]:
        r"""$\log p - \log(1 - p)$."""
        return jnp.log(self.probs) - jnp.log1p(-self.probs)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        u = jax.random.uniform(key, self.shape(sample_shape), dtype=self.probs.dtype)
        return (u < self.probs).astype(int_dtype())

    def _log_prob(self, value: Array) -> Array:
        value = value.astype(self.probs.dtype)  # xlogy differentiates in `value` too
        p = self.probs
        # Zero mass (value 1 at p = 0, value 0 at p = 1; float32 rounds 1 - 1e-12 to
        # 1): the constant -inf, with p swapped for a stand-in ("double where"). The
        # derivative of log(1 - p) there is infinite, and the support mask's `where`
        # would turn 0 * inf into a NaN gradient.
        impossible = ((value == 1) & (p == 0)) | ((value == 0) & (p == 1))
        p = jnp.where(impossible, 0.5, p)
        log_mass = xlogy(value, p) + xlog1py(1 - value, -p)
        return jnp.where(impossible, -jnp.inf, log_mass)

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return self.probs

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return self.probs * (1 - self.probs)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$-p\log p - (1-p)\log(1-p)$."""
        return -(xlogy(self.probs, self.probs) + xlog1py(1 - self.probs, -self.probs))

    def enumerate_support(self, expand: bool = True) -> Int[Array, "2 ..."]:
        """The values `0, 1` along a new leading axis, broadcast to the batch shape
        when `expand` (else of shape `(2,) + (1,) * len(batch_shape)`)."""
        return _enumerate_binary(self.batch_shape, expand)


class BernoulliLogits(AbstractSimpleDistribution):
    r"""The Bernoulli distribution on $\{0, 1\}$ with log-odds $\ell$.

    $$\log p(x) = -x\,\mathrm{softplus}(-\ell) - (1-x)\,\mathrm{softplus}(\ell)$$

    which stays finite and accurate for large $|\ell|$. Samples are integers of the
    default integer dtype. Closed forms: `mean`, `variance`, `entropy()`,
    `enumerate_support(expand=True)`; `probs` $=\sigma(\ell)$ is a property.

    **Arguments:**

    - `logits`: the log-odds $\ell = \log p - \log(1-p)$, any batch shape.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    logits: Float[Array, "*batch"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"logits": constraints.real}
    reparametrized_params: ClassVar = ()

    def __init__(
        self, logits: Real[ArrayLike, "*#batch"], validate_args: bool | None = None
    ):
        self._init_params({"logits": (logits, 0)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.logits.shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.boolean

    @property
    def probs(self) -> Float[Array, "*batch"]:
        r"""$\sigma(\ell)$."""
        return jax.nn.sigmoid(self.logits)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        u = jax.random.uniform(key, self.shape(sample_shape), dtype=self.logits.dtype)
        return (u < self.probs).astype(int_dtype())

    def _log_prob(self, value: Array) -> Array:
        # log p = -softplus(-l) and log(1 - p) = -softplus(l): both accurate at +-80.
        return -(
            value * jax.nn.softplus(-self.logits)
            + (1 - value) * jax.nn.softplus(self.logits)
        )

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return self.probs

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return jax.nn.sigmoid(self.logits) * jax.nn.sigmoid(-self.logits)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\sigma(\ell)\,\mathrm{softplus}(-\ell) + \sigma(-\ell)\,
        \mathrm{softplus}(\ell)$ (no cancellation at large $|\ell|$)."""
        return jax.nn.sigmoid(self.logits) * jax.nn.softplus(
            -self.logits
        ) + jax.nn.sigmoid(-self.logits) * jax.nn.softplus(self.logits)

    def enumerate_support(self, expand: bool = True) -> Int[Array, "2 ..."]:
        """The values `0, 1` along a new leading axis, broadcast to the batch shape
        when `expand` (else of shape `(2,) + (1,) * len(batch_shape)`)."""
        return _enumerate_binary(self.batch_shape, expand)


def Bernoulli(
    probs: Real[ArrayLike, "*#batch"] | None = None,
    logits: Real[ArrayLike, "*#batch"] | None = None,
    validate_args: bool | None = None,
) -> BernoulliProbs | BernoulliLogits:
    """A Bernoulli distribution: `BernoulliProbs(probs)` or `BernoulliLogits(logits)`.

    **Arguments:**

    - `probs`: the success probability, or
    - `logits`: the log-odds (exactly one of the two).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """
    if one_of("Bernoulli", probs, logits) == "probs":
        return BernoulliProbs(probs, validate_args=validate_args)
    return BernoulliLogits(logits, validate_args=validate_args)
