"""The categorical distribution, parameterised by probabilities or by logits."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._numerics import xlogy
from ._utils import int_dtype, one_of


def _gather(log_probs: Array, value: Array) -> Array:
    """`log_probs[..., value]`, broadcasting the batch axes of both."""
    shape = jnp.broadcast_shapes(value.shape, log_probs.shape[:-1])
    index = jnp.broadcast_to(value.astype(int_dtype()), shape)[..., None]
    table = jnp.broadcast_to(log_probs, shape + log_probs.shape[-1:])
    return jnp.take_along_axis(table, index, axis=-1)[..., 0]


def _enumerate_categories(
    num_categories: int, batch_shape: tuple[int, ...], expand: bool
) -> Array:
    values = jnp.arange(num_categories, dtype=int_dtype())
    values = values.reshape((num_categories,) + (1,) * len(batch_shape))
    return (
        jnp.broadcast_to(values, (num_categories,) + batch_shape) if expand else values
    )


def _nan_moment(dist: AbstractSimpleDistribution, dtype: jnp.dtype) -> Array:
    return jnp.full(dist.batch_shape, jnp.nan, dtype=dtype)


class CategoricalProbs(AbstractSimpleDistribution):
    r"""The categorical distribution on $\{0, \dots, K-1\}$ with probabilities
    $p_0, \dots, p_{K-1}$: $\log p(k) = \log p_k$.

    Samples are integer indices of the default integer dtype (`batch_shape` is
    `probs.shape[:-1]`, `event_shape` is `()`). Closed forms: `entropy()`,
    `enumerate_support(expand=True)`; `logits` $= \log p$ is a property. `mean` and
    `variance` are NaN, as in NumPyro: the categories are labels, not numbers.

    **Arguments:**

    - `probs`: the probabilities, shape `batch_shape + (K,)`, on the simplex.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    probs: Float[Array, "*batch k"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"probs": constraints.simplex}
    reparametrized_params: ClassVar = ()

    def __init__(
        self, probs: Real[ArrayLike, "*#batch k"], validate_args: bool | None = None
    ):
        self._init_params({"probs": (probs, 1)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.probs.shape[:-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.integer_interval(0, self.probs.shape[-1] - 1)

    @property
    def logits(self) -> Float[Array, "*batch k"]:
        r"""$\log p_k$ (normalised logits)."""
        return jnp.log(self.probs)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        return jax.random.categorical(
            key, self.logits, shape=self.shape(sample_shape)
        ).astype(int_dtype())

    def _log_prob(self, value: Array) -> Array:
        return jnp.log(_gather(self.probs, value))

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return _nan_moment(self, self.probs.dtype)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return _nan_moment(self, self.probs.dtype)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$-\sum_k p_k\log p_k$."""
        return -jnp.sum(xlogy(self.probs, self.probs), axis=-1)

    def enumerate_support(self, expand: bool = True) -> Int[Array, "k ..."]:
        """The values `0..K-1` along a new leading axis, broadcast to the batch shape
        when `expand` (else of shape `(K,) + (1,) * len(batch_shape)`)."""
        return _enumerate_categories(self.probs.shape[-1], self.batch_shape, expand)


class CategoricalLogits(AbstractSimpleDistribution):
    r"""The categorical distribution on $\{0, \dots, K-1\}$ with unnormalised
    log-probabilities $\ell$: $\log p(k) = \ell_k - \log\sum_j e^{\ell_j}$
    (`log_softmax`, finite for any finite logits).

    Samples are integer indices of the default integer dtype (`batch_shape` is
    `logits.shape[:-1]`, `event_shape` is `()`). Closed forms: `entropy()`,
    `enumerate_support(expand=True)`; `probs` $=\mathrm{softmax}(\ell)$ is a property.
    `mean` and `variance` are NaN, as in NumPyro: the categories are labels.

    **Arguments:**

    - `logits`: unnormalised log-probabilities, shape `batch_shape + (K,)`.
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    logits: Float[Array, "*batch k"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {"logits": constraints.real_vector}
    reparametrized_params: ClassVar = ()

    def __init__(
        self, logits: Real[ArrayLike, "*#batch k"], validate_args: bool | None = None
    ):
        self._init_params({"logits": (logits, 1)}, validate_args)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.logits.shape[:-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.integer_interval(0, self.logits.shape[-1] - 1)

    @property
    def probs(self) -> Float[Array, "*batch k"]:
        r"""$\mathrm{softmax}(\ell)$."""
        return jax.nn.softmax(self.logits, axis=-1)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        return jax.random.categorical(
            key, self.logits, shape=self.shape(sample_shape)
        ).astype(int_dtype())

    def _log_prob(self, value: Array) -> Array:
        return _gather(jax.nn.log_softmax(self.logits, axis=-1), value)

    @property
    def mean(self) -> Float[Array, "*batch"]:
        return _nan_moment(self, self.logits.dtype)

    @property
    def variance(self) -> Float[Array, "*batch"]:
        return _nan_moment(self, self.logits.dtype)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$-\sum_k p_k\log p_k$ with $\log p = \mathrm{log\_softmax}(\ell)$."""
        log_p = jax.nn.log_softmax(self.logits, axis=-1)
        return -jnp.sum(jnp.exp(log_p) * log_p, axis=-1)

    def enumerate_support(self, expand: bool = True) -> Int[Array, "k ..."]:
        """The values `0..K-1` along a new leading axis, broadcast to the batch shape
        when `expand` (else of shape `(K,) + (1,) * len(batch_shape)`)."""
        return _enumerate_categories(self.logits.shape[-1], self.batch_shape, expand)


def Categorical(
    probs: Real[ArrayLike, "*#batch k"] | None = None,
    logits: Real[ArrayLike, "*#batch k"] | None = None,
    validate_args: bool | None = None,
) -> CategoricalProbs | CategoricalLogits:
    """A categorical distribution: `CategoricalProbs(probs)` or
    `CategoricalLogits(logits)`.

    **Arguments:**

    - `probs`: probabilities on the last axis, or
    - `logits`: unnormalised log-probabilities (exactly one of the two).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """
    if one_of("Categorical", probs, logits) == "probs":
        return CategoricalProbs(probs, validate_args=validate_args)
    return CategoricalLogits(logits, validate_args=validate_args)
