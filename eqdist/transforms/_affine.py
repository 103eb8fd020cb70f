"""`AffineTransform`."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Real

from .. import constraints
from .._shapes import sum_rightmost
from ._base import AbstractTransform


def float_leaf(value: ArrayLike) -> Array:
    """`value` as a floating array leaf. Python numbers and 0-d NumPy arrays (the
    bounds of constraints built from Python numbers) stay weakly typed, so that
    they do not promote float32 inputs to float64."""
    if isinstance(value, (bool, int, float)) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return jnp.asarray(float(value))
    array = jnp.asarray(value)
    if not jnp.issubdtype(array.dtype, jnp.inexact):
        array = array.astype(jnp.result_type(float))
    return array


def concrete(value: ArrayLike) -> np.ndarray | None:
    """`value` as a NumPy array when it is known at trace time, else `None`."""
    if isinstance(value, jax.core.Tracer):
        return None
    return np.asarray(value)


def real_events(event_dim: int) -> constraints.AbstractConstraint:
    """The unconstrained set for events of `event_dim` axes."""
    if event_dim == 0:
        return constraints.real
    if event_dim == 1:
        return constraints.real_vector
    return constraints.independent(constraints.real, event_dim)


class AffineTransform(AbstractTransform):
    r"""$y = \text{loc} + \text{scale} \cdot x$, elementwise.

    $\log|\det J| = \sum \log|\text{scale}|$ over the event axes of `domain` (none
    for the default `real`).

    The codomain is the image of `domain`: `real` and `real_vector` map to
    themselves, `greater_than(b)` to `greater_than(loc + scale * b)` (a positive
    `scale` is assumed unless it is known to be negative, which raises),
    `interval(a, b)` to the interval between the images of `a` and `b`, and
    `independent(c, n)` to `independent(image of c, n)`. Any other domain maps to
    the unconstrained set with the same `event_dim` (a superset of the image).

    **Arguments:**

    - `loc`: the shift, broadcastable against `x`.
    - `scale`: the (non-zero) scale, broadcastable against `x`.
    - `domain`: the set of `x` (default `real`); its `event_dim` is the transform's.
    """

    loc: Float[Array, "..."]
    scale: Float[Array, "..."]
    domain: constraints.AbstractConstraint

    def __init__(
        self,
        loc: Real[ArrayLike, "..."],
        scale: Real[ArrayLike, "..."],
        domain: constraints.AbstractConstraint = constraints.real,
    ):
        self.loc = float_leaf(loc)
        self.scale = float_leaf(scale)
        self.domain = domain

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return self._image(self.domain)

    def _image(
        self, c: constraints.AbstractConstraint
    ) -> constraints.AbstractConstraint:
        if isinstance(c, (constraints.RealSet, constraints.RealVector)):
            return c
        if isinstance(c, constraints.Independent):
            return constraints.independent(
                self._image(c.base_constraint), c.reinterpreted_batch_ndims
            )
        if isinstance(c, constraints.GreaterThan):
            scale = concrete(self.scale)
            if scale is not None and np.all(scale < 0):
                raise ValueError(
                    "AffineTransform: a negative `scale` maps `greater_than` onto a "
                    "`less_than` set, which eqdist has no constraint for."
                )
            return constraints.greater_than(self.loc + self.scale * c.lower_bound)
        if isinstance(c, constraints.Interval):
            low = self.loc + self.scale * c.lower_bound
            high = self.loc + self.scale * c.upper_bound
            return constraints.interval(jnp.minimum(low, high), jnp.maximum(low, high))
        return real_events(c.event_dim)

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        return self.loc + self.scale * jnp.asarray(x), None

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        return (jnp.asarray(y) - self.loc) / self.scale

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        x = jnp.asarray(x)
        shape = jnp.broadcast_shapes(x.shape, self.loc.shape, self.scale.shape)
        dtype = jnp.result_type(x, self.loc, self.scale)
        log_scale = jnp.broadcast_to(jnp.log(jnp.abs(self.scale)), shape).astype(dtype)
        return sum_rightmost(log_scale, self.event_dim)
