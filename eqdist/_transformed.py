"""`TransformedDistribution`: push a base distribution through bijections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from . import constraints
from ._distribution import AbstractDistribution
from ._shapes import sum_rightmost
from ._validation import check, resolve_validate_args
from .transforms._base import AbstractTransform
from .transforms._compose import ComposeTransform


class TransformedDistribution(AbstractDistribution):
    r"""The distribution of $y = t_n(\dots t_1(x))$ for $x \sim$ `base_distribution`.

    $$\log p(y) = \log p_{\text{base}}(x) - \sum_i \log|\det J_{t_i}(x_{i-1})|$$

    The base is adjusted once, at construction: it is expanded when a transform's
    parameters broadcast to a larger batch, and its rightmost batch axes become
    event axes when the transforms act on more axes than its events have (so
    `TransformedDistribution(Normal(zeros(3), 1), iaf)` is a 3-dimensional flow).

    `sample_with_intermediates` keeps each transform's input, and
    `log_prob(y, intermediates)` then needs no inverse: `sample_and_log_prob` is the
    fast path for flows whose inverse is expensive.

    **Arguments:**

    - `base_distribution`: the distribution of $x$.
    - `transforms`: one transform or a sequence, applied in order.
    """

    base_distribution: AbstractDistribution
    transforms: tuple[AbstractTransform, ...]
    fixed_event_shape: tuple[int, ...] = eqx.field(static=True)
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar[dict[str, constraints.AbstractConstraint]] = {}

    def __init__(
        self,
        base_distribution: AbstractDistribution,
        transforms: AbstractTransform | Sequence[AbstractTransform],
        validate_args: bool | None = None,
    ):
        if isinstance(transforms, AbstractTransform):
            transforms = (transforms,)
        transforms = tuple(transforms)
        for t in transforms:
            if not isinstance(t, AbstractTransform):
                raise TypeError(
                    "TransformedDistribution: `transforms` must be transforms, got "
                    f"{type(t).__name__}."
                )
        composed = ComposeTransform(transforms)
        base_shape = base_distribution.batch_shape + base_distribution.event_shape
        base_event_ndim = len(base_distribution.event_shape)
        domain_event_dim = composed.domain.event_dim
        if len(base_shape) < domain_event_dim:
            raise ValueError(
                f"TransformedDistribution: the transforms act on events of "
                f"{domain_event_dim} dimension(s), but the base distribution's samples "
                f"have shape {base_shape}."
            )
        shape = composed.forward_shape(base_shape)
        expanded_base_shape = composed.inverse_shape(shape)
        if expanded_base_shape != base_shape:
            base_distribution = base_distribution.expand(
                expanded_base_shape[: len(expanded_base_shape) - base_event_ndim]
            )
        if domain_event_dim > base_event_ndim:
            base_distribution = base_distribution.to_event(
                domain_event_dim - base_event_ndim
            )
            base_event_ndim = domain_event_dim
        self.base_distribution = base_distribution
        self.transforms = transforms
        # The event shape is fixed by the transforms; unlike the batch shape it
        # cannot change under `jax.vmap`, so it is kept static.
        event_ndim = composed.codomain.event_dim + base_event_ndim - domain_event_dim
        self.fixed_event_shape = shape[len(shape) - event_ndim :]
        self.validate_args = resolve_validate_args(validate_args)

    @property
    def reparametrized_params(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.base_distribution.reparametrized_params

    @property
    def batch_shape(self) -> tuple[int, ...]:
        # Transforms act on events only; the base already carries the batch.
        return self.base_distribution.batch_shape

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.fixed_event_shape

    @property
    def support(self) -> constraints.AbstractConstraint:
        codomain = (
            self.transforms[-1].codomain
            if self.transforms
            else (self.base_distribution.support)
        )
        extra = len(self.event_shape) - codomain.event_dim
        return constraints.independent(codomain, extra) if extra > 0 else codomain

    def sample(self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()) -> Array:
        x = self.base_distribution.sample(key, sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def sample_with_intermediates(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, list[tuple[Array, Any]]]:
        """`(y, intermediates)` with one `(input, transform intermediates)` pair per
        transform, for `log_prob(y, intermediates)`."""
        x = self.base_distribution.sample(key, sample_shape)
        intermediates = []
        for t in self.transforms:
            y, t_intermediates = t.call_with_intermediates(x)
            intermediates.append((x, t_intermediates))
            x = y
        return x, intermediates

    def log_prob(
        self,
        value: Float[ArrayLike, "..."],
        intermediates: list[tuple[Array, Any]] | None = None,
    ) -> Array:
        """Log density of `value`; pass the `intermediates` of
        `sample_with_intermediates` to skip the inverse transforms."""
        value = jnp.asarray(value)
        if intermediates is not None:
            return self._log_prob_from(value, intermediates)
        self._check_event_shape(value)
        if self._support_is_everything():
            # Flows: every set involved is all of R^n, so no value can be outside and
            # the membership pass (a second inverse) would be wasted work.
            return self._log_prob_from(value, None)
        # The last codomain alone does not bound the support (exp then an affine map
        # has codomain `real`), so membership is decided by inverting: `value` is
        # inside when every intermediate lies in its transform's domain and the base
        # point in the base support. Outside values are swapped for a feasible point
        # before the differentiated pass ("double where"), so neither the result nor
        # its gradient is NaN there.
        inside, base_point = self._inverse_membership(jax.lax.stop_gradient(value))
        if self.validate_args:
            value = check(
                value,
                inside,
                "TransformedDistribution.log_prob: `value` is outside the support.",
            )
        feasible = self.base_distribution.support.feasible_like(base_point)
        for t in self.transforms:
            feasible = t(feasible)
        mask = jnp.reshape(inside, inside.shape + (1,) * len(self.event_shape))
        safe_value = jnp.where(mask, value, feasible)
        return jnp.where(inside, self._log_prob_from(safe_value, None), -jnp.inf)

    def _support_is_everything(self) -> bool:
        sets = [self.base_distribution.support]
        for t in self.transforms:
            sets += [t.domain, t.codomain]
        return all(_is_unbounded(c) for c in sets)

    def _inverse_membership(self, y: Array) -> tuple[Array, Array]:
        """Whether each event of `y` is in the support (batch-shaped booleans), and
        the base point `y` inverts to."""
        event_ndim = len(self.event_shape)
        inside = jnp.ones(y.shape[: y.ndim - event_ndim], dtype=bool)

        def per_batch(ok: Array, batch_ndim: int) -> Array:
            return jnp.all(ok, axis=tuple(range(batch_ndim, ok.ndim)))

        for t in reversed(self.transforms):
            batch_ndim = y.ndim - event_ndim
            if not isinstance(t.codomain, constraints.Dependent):
                inside = inside & per_batch(t.codomain(y), batch_ndim)
            x = t.inv(y)
            event_ndim += t.domain.event_dim - t.codomain.event_dim
            batch_ndim = x.ndim - event_ndim
            inside = inside & per_batch(jnp.isfinite(x), batch_ndim)
            if not isinstance(t.domain, constraints.Dependent):
                inside = inside & per_batch(t.domain(x), batch_ndim)
            y = x
        support = self.base_distribution.support
        if not isinstance(support, constraints.Dependent):
            inside = inside & per_batch(support(y), y.ndim - event_ndim)
        return inside, y

    def _log_prob_from(
        self, y: Array, intermediates: list[tuple[Array, Any]] | None
    ) -> Array:
        event_ndim = len(self.event_shape)
        log_prob = jnp.zeros((), dtype=y.dtype)  # not float64 for float32 values
        for i in reversed(range(len(self.transforms))):
            t = self.transforms[i]
            if intermediates is not None:
                x, t_intermediates = intermediates[i]
                ladj = t.log_abs_det_jacobian(x, y, t_intermediates)
            elif hasattr(t, "inv_and_log_abs_det_jacobian"):
                # Stacked flows invert and get the log-det in the same scan.
                x, ladj = t.inv_and_log_abs_det_jacobian(y)
            else:
                x = t.inv(y)
                ladj = t.log_abs_det_jacobian(x, y)
            log_prob = log_prob - sum_rightmost(ladj, event_ndim - t.codomain.event_dim)
            event_ndim += t.domain.event_dim - t.codomain.event_dim
            y = x
        base_log_prob = self.base_distribution.log_prob(y)
        base_extra = event_ndim - len(self.base_distribution.event_shape)
        return log_prob + sum_rightmost(base_log_prob, base_extra)

    def sample_and_log_prob(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Array]:
        """A sample and its log density in one forward pass: no inverse."""
        x, log_prob = self.base_distribution.sample_and_log_prob(key, sample_shape)
        event_ndim = len(self.base_distribution.event_shape)
        for t in self.transforms:
            y, t_intermediates = t.call_with_intermediates(x)
            ladj = t.log_abs_det_jacobian(x, y, t_intermediates)
            event_ndim += t.codomain.event_dim - t.domain.event_dim
            log_prob = log_prob - sum_rightmost(ladj, event_ndim - t.codomain.event_dim)
            x = y
        return x, log_prob


def _is_unbounded(constraint: constraints.AbstractConstraint) -> bool:
    """Whether `constraint` is all of R^n (possibly with reinterpreted batch axes)."""
    while isinstance(constraint, constraints.Independent):
        constraint = constraint.base_constraint
    return isinstance(constraint, (constraints.RealSet, constraints.RealVector))
