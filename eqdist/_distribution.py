"""The distribution protocol: `AbstractDistribution` and `AbstractSimpleDistribution`."""

import abc
import functools
from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Num, PRNGKeyArray

from . import constraints
from ._shapes import as_shape, check_key, promote_params
from ._validation import check, is_traced, resolve_validate_args


# Methods that exist only where a closed form does. They are not declared on the
# protocol, so a class without one raises a clear AttributeError (see `__getattr__`).
class _plain_method:
    """Bind like a method, but to a `functools.partial`: Equinox wraps each bound
    method it hands out in a `BoundMethod` module, which costs ~0.1 ms per eager call
    of the private helpers every constructor and `log_prob` go through."""

    def __init__(self, fn: Callable) -> None:
        self.__func__ = fn
        functools.update_wrapper(self, fn)

    def __get__(self, obj: Any, objtype: Any = None) -> Callable:
        return self.__func__ if obj is None else functools.partial(self.__func__, obj)


class _public_method(_plain_method):
    """Bind to a `jax.tree_util.Partial`: as cheap as `_plain_method`, and still a
    pytree holding the distribution (as Equinox's `BoundMethod` is), so
    `eqx.filter_jit(dist.log_prob)` traces the parameters instead of baking them in."""

    def __get__(self, obj: Any, objtype: Any = None) -> Callable:
        return (
            self.__func__ if obj is None else jax.tree_util.Partial(self.__func__, obj)
        )


OPTIONAL_METHODS = ("mean", "variance", "entropy", "cdf", "icdf", "enumerate_support")


class AbstractDistribution(eqx.Module):
    """A probability distribution: an immutable Equinox module whose array parameters
    are leaves.

    `batch_shape` indexes independent, possibly non-identical distributions;
    `event_shape` is the shape of one draw. A sample has shape
    `sample_shape + batch_shape + event_shape`, and `log_prob(value)` has shape
    `broadcast(value.shape[:value.ndim - len(event_shape)], batch_shape)`.

    Both shapes are read off the array leaves, never stored as static metadata, so
    a batch of distributions built or consumed by `jax.vmap` reports the right shapes.

    Members that exist only where a closed form does (`mean`, `variance`, `entropy()`,
    `cdf(x)`, `icdf(q)`, `enumerate_support()`) are defined by the concrete classes
    that have them; asking another class for one raises `AttributeError` naming the
    class and the member.
    """

    arg_constraints: eqx.AbstractClassVar[dict[str, constraints.AbstractConstraint]]
    reparametrized_params: eqx.AbstractClassVar[tuple[str, ...]]

    @property
    @abc.abstractmethod
    def batch_shape(self) -> tuple[int, ...]:
        """The shape over which parameters are batched."""

    @property
    @abc.abstractmethod
    def event_shape(self) -> tuple[int, ...]:
        """The shape of a single draw."""

    @property
    @abc.abstractmethod
    def support(self) -> constraints.AbstractConstraint:
        """The set the values live in (may depend on the parameters)."""

    @abc.abstractmethod
    def sample(self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()) -> Array:
        """Draw `sample_shape` independent samples: shape
        `sample_shape + batch_shape + event_shape`."""

    @abc.abstractmethod
    def sample_with_intermediates(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Any]:
        """`(sample, intermediates)`; the intermediates let `log_prob` skip inverses."""

    @abc.abstractmethod
    def log_prob(self, value: Num[ArrayLike, "..."]) -> Array:
        """Log density (or log mass) of `value`; `-inf` outside the support."""

    @abc.abstractmethod
    def sample_and_log_prob(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Array]:
        """A sample and its log density in one pass (no inverse transforms)."""

    def shape(self, sample_shape: Sequence[int] = ()) -> tuple[int, ...]:
        """`sample_shape + batch_shape + event_shape`."""
        return as_shape(sample_shape) + self.batch_shape + self.event_shape

    def expand(self, batch_shape: Sequence[int]) -> "AbstractDistribution":
        """Broadcast to a larger `batch_shape` (see `ExpandedDistribution`)."""
        from ._expanded import ExpandedDistribution

        return ExpandedDistribution(self, batch_shape)

    def to_event(
        self, reinterpreted_batch_ndims: int | None = None
    ) -> "AbstractDistribution":
        """Treat the `reinterpreted_batch_ndims` rightmost batch axes as event axes
        (all of them by default; see `Independent`)."""
        from ._independent import Independent

        if reinterpreted_batch_ndims is None:
            reinterpreted_batch_ndims = len(self.batch_shape)
        if reinterpreted_batch_ndims == 0:
            return self
        return Independent(self, reinterpreted_batch_ndims)

    def __getattr__(self, name: str) -> Any:
        if name in OPTIONAL_METHODS:
            raise AttributeError(f"{type(self).__name__} has no closed-form `{name}`.")
        raise AttributeError(
            f"'{type(self).__name__}' object has no attribute '{name}'"
        )

    @_plain_method
    def _check_event_shape(self, value: Array) -> None:
        event_shape = self.event_shape
        n = len(event_shape)
        if value.shape[value.ndim - n :] != event_shape or value.ndim < n:
            raise ValueError(
                f"{type(self).__name__}.log_prob: `value` of shape {value.shape} does "
                f"not end in the event shape {event_shape}."
            )
        try:
            jnp.broadcast_shapes(value.shape[: value.ndim - n], self.batch_shape)
        except ValueError:
            raise ValueError(
                f"{type(self).__name__}.log_prob: the batch axes of `value` "
                f"{value.shape[: value.ndim - n]} do not broadcast with the batch "
                f"shape {self.batch_shape}."
            ) from None


class AbstractSimpleDistribution(AbstractDistribution):
    """A distribution defined directly by its parameters: the common case.

    Subclasses implement two private, shape-agnostic methods:

    - `_sample(key, sample_shape)`: a draw of shape `self.shape(sample_shape)`;
    - `_log_prob(value)`: the log density of a `value` of a checked shape. Only its
      values inside the support are used, but it must compute (not fail or loop) on
      outside values too: the primal evaluates it everywhere and selects once.

    The public methods are shared here: they check the key and the shapes, validate
    values against the support when `validate_args` is on, and return `-inf` outside
    the support. Derivatives swap outside values for a feasible point before
    `_log_prob` sees them (the "double where"), so gradients stay free of NaN there.
    Eagerly, `log_prob` is one compiled kernel.

    Concrete classes also hold `validate_args` as a static field and call
    `self._init_params(...)` from `__init__`.
    """

    validate_args: eqx.AbstractVar[bool]

    @abc.abstractmethod
    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        """A draw of shape `sample_shape + batch_shape + event_shape`."""

    @abc.abstractmethod
    def _log_prob(self, value: Array) -> Array:
        """Log density of `value` (used only where it is in the support)."""

    def sample(self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()) -> Array:
        """Draw `sample_shape` independent samples: shape
        `sample_shape + batch_shape + event_shape`."""
        key = check_key(type(self).__name__, key)
        return _finite(type(self)._sample(self, key, as_shape(sample_shape)))

    def sample_with_intermediates(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Any]:
        """`(sample, None)`: a direct distribution has no intermediates."""
        return self.sample(key, sample_shape), None

    @_public_method
    def log_prob(self, value: Num[ArrayLike, "..."]) -> Array:
        """Log density (or mass) of `value`, shape
        `broadcast(value.shape[:value.ndim - len(event_shape)], batch_shape)`;
        `-inf` outside the support (an error under `validate_args`)."""
        if not isinstance(value, jax.Array):
            value = jnp.asarray(value)
        self._check_event_shape(value)
        if _is_concrete(self, value):
            # Eagerly, one compiled kernel (support mask + `_log_prob`) instead of a
            # dispatch per operation; the validation flag is its one host sync.
            log_prob, inside = _eager_log_prob(self, value)
        else:
            log_prob, inside = _masked_log_prob(self, value)
        if inside is not None:
            log_prob = check(log_prob, inside, _outside_message(self))
        return log_prob

    def sample_and_log_prob(
        self, key: PRNGKeyArray, sample_shape: Sequence[int] = ()
    ) -> tuple[Array, Array]:
        """A sample and its log density, without re-checking the support."""
        x = self.sample(key, sample_shape)
        return x, self._log_prob(x)

    @_plain_method
    def _init_params(
        self,
        params: dict[str, tuple],
        validate_args: bool | None,
        dtype: jnp.dtype | None = None,
    ) -> None:
        """Store `params` as broadcast array leaves and validate them.

        `params` maps each field name to `(value, event_ndim)` or
        `(value, event_ndim, dtype)`; see `eqdist._shapes.promote_params`. With
        validation on, each parameter is checked against `arg_constraints`, all in
        one compiled reduction (eagerly a `ValueError` naming the first violated
        one, under `jit` an `equinox.error_if`).
        """
        name = type(self).__name__
        self.validate_args = resolve_validate_args(validate_args)
        arrays = promote_params(name, params, dtype)
        for field, array in zip(params, arrays):
            setattr(self, field, array)
        if not self.validate_args:
            return
        checked = [
            (field, array, constraint)
            for field, array in zip(params, arrays)
            if not isinstance(
                constraint := self.arg_constraints.get(field),
                (type(None), constraints.Dependent),
            )
        ]
        if not checked:
            return
        messages = [
            f"{name}: parameter `{field}` must satisfy {_describe(constraint)}."
            for field, _, constraint in checked
        ]
        for (_, array, constraint), message in zip(checked, messages):
            if constraint.event_dim > array.ndim:
                raise ValueError(message)
        # Every constraint in one compiled reduction: eagerly one host sync.
        satisfied = _all_satisfied(
            tuple(c for _, _, c in checked), tuple(a for _, a, _ in checked)
        )
        if is_traced(satisfied):
            for i, ((field, array, _), message) in enumerate(zip(checked, messages)):
                setattr(self, field, check(array, satisfied[i], message))
            return
        for ok, message in zip(np.asarray(satisfied), messages):
            if not ok:
                raise ValueError(message)


@jax.jit
def _all_satisfied(
    constraint_list: tuple[constraints.AbstractConstraint, ...],
    arrays: tuple[Array, ...],
) -> Array:
    """Whether each array satisfies its constraint everywhere, as one bool vector."""
    return jnp.stack([jnp.all(c(a)) for c, a in zip(constraint_list, arrays)])


def _describe(constraint: constraints.AbstractConstraint) -> str:
    """A short human description of a constraint for error messages."""
    if isinstance(constraint, constraints.GreaterThan):
        return f"GreaterThan({_bound_text(constraint.lower_bound)}), i.e. x > bound"
    if isinstance(constraint, constraints.GreaterThanEq):
        return f"GreaterThanEq({_bound_text(constraint.lower_bound)}), i.e. x >= bound"
    if isinstance(constraint, constraints.Interval):
        return (
            f"Interval({_bound_text(constraint.lower_bound)}, "
            f"{_bound_text(constraint.upper_bound)})"
        )
    if isinstance(constraint, constraints.IntegerGreaterThan):
        return f"IntegerGreaterThan({_bound_text(constraint.lower_bound)})"
    return type(constraint).__name__


def _bound_text(bound: Any) -> str:
    if isinstance(bound, jax.core.Tracer):
        return "traced bound"
    array = np.asarray(bound)
    return str(array.item()) if array.size == 1 else f"array of shape {array.shape}"


def _finite(x: Array) -> Array:
    """Draws beyond the dtype's range (a heavy-tailed distribution with a huge scale,
    in float32) become its largest finite value: the nearest representable point,
    rather than an infinity that no support contains."""
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return x
    big = jnp.finfo(x.dtype).max
    return jnp.clip(x, -big, big)


def _is_concrete(dist: AbstractDistribution, value: Array) -> bool:
    """Whether `value` and every leaf of `dist` are concrete JAX arrays (not tracers,
    not Python objects): then `log_prob` can run as one compiled kernel."""
    if isinstance(value, jax.core.Tracer):
        return False
    return all(
        isinstance(leaf, jax.Array) and not isinstance(leaf, jax.core.Tracer)
        for leaf in jax.tree_util.tree_leaves(dist)
    )


def _outside_message(dist: AbstractDistribution) -> str:
    return (
        f"{type(dist).__name__}.log_prob: `value` is outside the support "
        f"{_describe(dist.support)}."
    )


def _masked_log_prob(
    dist: "AbstractSimpleDistribution", value: Array
) -> tuple[Array, Array | None]:
    """`dist._log_prob(value)` where `value` is in `dist.support`, `-inf` elsewhere,
    and (under `dist.validate_args`) whether every value is inside, else `None`.

    `value` has a checked shape. Neither the result nor its gradient is NaN outside.
    """
    support = dist.support
    if isinstance(support, (constraints.RealSet, constraints.RealVector)):
        return type(dist)._log_prob(dist, value), None
    inside = support(value)
    extra = len(dist.event_shape) - support.event_dim
    if extra > 0:
        inside = jnp.all(inside, axis=tuple(range(-extra, 0)))
    log_prob = _where_inside(dist, value, inside)
    return log_prob, (jnp.all(inside) if dist.validate_args else None)


@jax.custom_jvp
def _where_inside(
    dist: "AbstractSimpleDistribution", value: Array, inside: Array
) -> Array:
    """`dist._log_prob(value)` where `inside`, `-inf` elsewhere: one select.

    `_log_prob` may give NaN outside the support; the select drops it. Its derivative
    there would be NaN too (`0 * inf` in the select's transpose), so derivatives come
    from `_double_where`, which moves outside values to a feasible point first. Only
    derivatives pay for that second select (a few % of a bandwidth-bound kernel).
    """
    return jnp.where(inside, type(dist)._log_prob(dist, value), -jnp.inf)


def _double_where(
    dist: "AbstractSimpleDistribution", value: Array, inside: Array
) -> Array:
    inside_per_element = jnp.reshape(
        inside, inside.shape + (1,) * (value.ndim - inside.ndim)
    )
    safe_value = jnp.where(inside_per_element, value, dist.support.feasible_like(value))
    return jnp.where(inside, type(dist)._log_prob(dist, safe_value), -jnp.inf)


@_where_inside.defjvp
def _where_inside_jvp(primals: tuple, tangents: tuple) -> tuple[Array, Array]:
    dist, value, inside = primals
    dist_dot, value_dot, _ = tangents
    return jax.jvp(
        functools.partial(_double_where, inside=inside),
        (dist, value),
        (dist_dot, value_dot),
    )


# Nested under an outer `jit` this would be inlined; it is only called eagerly.
_eager_log_prob = jax.jit(_masked_log_prob)
