"""Elementwise transforms: `ExpTransform`, `PowerTransform`, `SigmoidTransform`,
`AbsTransform`."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, Real

from .. import constraints
from .._shapes import sum_rightmost
from ._affine import float_leaf
from ._base import AbstractTransform


def _exp_image(c: constraints.AbstractConstraint) -> constraints.AbstractConstraint:
    if isinstance(c, constraints.RealSet):
        return constraints.positive
    if isinstance(c, constraints.GreaterThan):
        return constraints.greater_than(jnp.exp(c.lower_bound))
    if isinstance(c, constraints.Interval):
        return constraints.interval(jnp.exp(c.lower_bound), jnp.exp(c.upper_bound))
    if isinstance(c, constraints.Independent):
        return constraints.independent(
            _exp_image(c.base_constraint), c.reinterpreted_batch_ndims
        )
    # Any other set: the image is positive, element by element.
    return (
        constraints.independent(constraints.positive, c.event_dim)
        if c.event_dim
        else constraints.positive
    )


class ExpTransform(AbstractTransform):
    r"""$y = e^{x}$, elementwise; $\log|\det J| = \sum x$ over the event axes.

    The codomain is the image of `domain`: `real` maps to `positive`,
    `greater_than(b)` to `greater_than(e^b)`, `interval(a, b)` to
    `interval(e^a, e^b)`, `independent(c, n)` to `independent(image of c, n)`.

    **Arguments:**

    - `domain`: the set of `x` (default `real`); its `event_dim` is the transform's.
    """

    domain: constraints.AbstractConstraint

    def __init__(self, domain: constraints.AbstractConstraint = constraints.real):
        self.domain = domain

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return _exp_image(self.domain)

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        return jnp.exp(x), None

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        return jnp.log(y)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        return sum_rightmost(x, self.event_dim)


class PowerTransform(AbstractTransform):
    r"""$y = x^{\text{exponent}}$ on the positive half line.

    $\log|\det J| = \log|\text{exponent}| + (\text{exponent} - 1) \log x$.

    **Arguments:**

    - `exponent`: the (non-zero) power, a leaf broadcastable against `x`.
    """

    exponent: Float[Array, "..."]

    def __init__(self, exponent: Real[ArrayLike, "..."]):
        self.exponent = float_leaf(exponent)

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.positive

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        return jnp.power(x, self.exponent), None

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        return jnp.power(y, 1 / self.exponent)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        # From x rather than y / x: no overflow of y for large exponents.
        return jnp.log(jnp.abs(self.exponent)) + (self.exponent - 1) * jnp.log(x)


def _open_unit(y: Array) -> Array:
    """Clamp `y` into `[tiny, 1 - eps]` so that `log(y)` and `log1p(-y)` are finite."""
    finfo = jnp.finfo(y.dtype)
    return jnp.clip(y, finfo.tiny, 1 - finfo.eps)


class SigmoidTransform(AbstractTransform):
    r"""$y = \sigma(x) = 1 / (1 + e^{-x})$, from the real line onto `unit_interval`.

    $\log|\det J| = \log \sigma(x) + \log(1 - \sigma(x))
    = -\operatorname{softplus}(-x) - \operatorname{softplus}(x)$, exact for any $x$.

    The output is kept inside `[tiny, 1 - eps]` of its dtype (with the gradient of
    the unclamped sigmoid), and the inverse clamps its input to the same range, so
    `inv` (the logit) never returns $\pm\infty$: in float32 `inv(t(40.0))` is about
    15.9 rather than `inf`.
    """

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.unit_interval

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        y = jax.nn.sigmoid(x)
        # Straight-through clamp: the value stays inside (0, 1), the gradient is the
        # sigmoid's.
        return y + jax.lax.stop_gradient(_open_unit(y) - y), None

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        y = _open_unit(jnp.asarray(y))
        return jnp.log(y) - jnp.log1p(-y)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        return -jax.nn.softplus(-x) - jax.nn.softplus(x)


class AbsTransform(AbstractTransform):
    r"""$y = |x|$, from the real line onto the non-negative half line.

    !!! warning

        Not a bijection: `inv(y)` returns the non-negative preimage $y$, and
        `log_abs_det_jacobian` is the pointwise $\log|\mathrm{d}y/\mathrm{d}x| = 0$,
        which does not account for the two preimages. A `TransformedDistribution`
        through it is not normalised (fold the density by hand instead).
    """

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.positive

    def call_with_intermediates(self, x: Float[ArrayLike, "..."]) -> tuple[Array, Any]:
        return jnp.abs(x), None

    def inv(self, y: Float[ArrayLike, "..."]) -> Array:
        return jnp.asarray(y)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "..."],
        y: Float[ArrayLike, "..."],
        intermediates: Any = None,
    ) -> Array:
        return jnp.zeros_like(jnp.asarray(x))
