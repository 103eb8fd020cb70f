"""`PRNGIdentity`: a "distribution" whose samples are fresh PRNG keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, NoReturn

import jax
from jaxtyping import Array, ArrayLike, Num, PRNGKeyArray

from .. import constraints
from .._distribution import AbstractDistribution
from .._shapes import as_shape, check_key


class PRNGIdentity(AbstractDistribution):
    """A distribution over PRNG keys: `sample(key, sample_shape)` splits `key` into a
    batch of independent keys of the same kind.

    - A typed key (`jax.random.key(seed)`) gives a typed key array of shape
      `sample_shape`: one key is one event (`event_shape` is `()`).
    - A raw key (`jax.random.PRNGKey(seed)`, `uint32[2]`) gives a `uint32` array of
      shape `sample_shape + (2,)`: the trailing axis holds the key's data.

    It is a sampler only, meant to hand keys out through the same interface as any
    distribution (NumPyro's use: drawing keys under a seed handler). It has no
    density: `log_prob` and `sample_and_log_prob` raise `NotImplementedError`, and
    `support` is `constraints.dependent` (membership cannot be decided). It has no
    parameters, so `batch_shape` is `()`.
    """

    arg_constraints: ClassVar = {}
    reparametrized_params: ClassVar = ()

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def event_shape(self) -> tuple[int, ...]:
        return ()

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.dependent

    def sample(self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()) -> Array:
        """`sample_shape` new keys split from `key`, of the same kind as `key`."""
        key = check_key("PRNGIdentity", key)
        return jax.random.split(key, as_shape(sample_shape))

    def sample_with_intermediates(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Any]:
        """`(keys, None)`."""
        return self.sample(key, sample_shape), None

    def log_prob(self, value: Num[ArrayLike, "..."]) -> NoReturn:
        """Not defined: raises `NotImplementedError`."""
        raise NotImplementedError(_NO_DENSITY)

    def sample_and_log_prob(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> NoReturn:
        """Not defined: raises `NotImplementedError`."""
        raise NotImplementedError(_NO_DENSITY)


_NO_DENSITY = (
    "PRNGIdentity has no log_prob: it only samples PRNG keys (use `sample`), there is "
    "no density over keys."
)
