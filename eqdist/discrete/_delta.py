"""The Dirac delta distribution."""

from __future__ import annotations

from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution


class Delta(AbstractSimpleDistribution):
    r"""A point mass at `value`, carrying the log density `log_density` there:
    $\log p(x) = \text{log\_density}$ if $x = v$ (every element of the event),
    $-\infty$ otherwise.

    Samples are `value` itself (broadcast to `sample_shape`), so the sample is
    differentiable in `value`. `event_ndim` rightmost axes of `value` form the event.
    Closed forms: `mean` ($v$), `variance` ($0$).

    **Arguments:**

    - `value`: the location $v$, shape `batch_shape + event_shape`.
    - `log_density`: the log density at $v$ (a leaf, so it can be learnt), shape
      broadcastable with `batch_shape`.
    - `event_ndim`: how many rightmost axes of `value` form one event (static).
    - `validate_args`: check the parameters (and values in `log_prob`).
    """

    value: Float[Array, "..."]
    log_density: Float[Array, "*batch"]
    event_ndim: int = eqx.field(static=True)
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "value": constraints.real,
        "log_density": constraints.real,
    }
    reparametrized_params: ClassVar = ("value", "log_density")

    def __init__(
        self,
        value: Real[ArrayLike, "..."] = 0.0,
        log_density: Real[ArrayLike, "*#batch"] = 0.0,
        event_ndim: int = 0,
        validate_args: bool | None = None,
    ):
        if isinstance(event_ndim, bool) or not isinstance(event_ndim, int):
            raise TypeError(
                f"Delta: `event_ndim` must be an int, got {type(event_ndim).__name__}."
            )
        if event_ndim < 0:
            raise ValueError(f"Delta: `event_ndim` must be >= 0, got {event_ndim}.")
        self.event_ndim = event_ndim
        self._init_params(
            {"value": (value, event_ndim), "log_density": (log_density, 0)},
            validate_args,
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.value.shape[: self.value.ndim - self.event_ndim]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.value.shape[self.value.ndim - self.event_ndim :]

    @property
    def support(self) -> constraints.AbstractConstraint:
        if self.event_ndim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self.event_ndim)

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        return jnp.broadcast_to(self.value, self.shape(sample_shape))

    def _log_prob(self, value: Array) -> Array:
        equal = value == self.value
        if self.event_ndim:
            equal = jnp.all(equal, axis=tuple(range(-self.event_ndim, 0)))
        return jnp.where(equal, self.log_density, -jnp.inf)

    @property
    def mean(self) -> Float[Array, "..."]:
        return self.value

    @property
    def variance(self) -> Float[Array, "..."]:
        return jnp.zeros_like(self.value)
