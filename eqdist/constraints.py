"""Constraints: the sets that parameters and values live in.

A constraint is an Equinox module; calling it on a value returns a boolean array that
says, for each event, whether the value lies in the set. The result has the value's
shape with the constraint's `event_dim` rightmost axes reduced. Parameterised
constraints (`greater_than`, `interval`, ...) keep their bounds as array leaves, so a
constraint built from a distribution's parameters moves with them through `jit` and
`vmap`.

`feasible_like(x)` returns a point inside the set shaped like `x`; distributions use it
to evaluate densities safely where a value is outside the support (the "double where"
that keeps gradients free of NaN).

The names follow NumPyro 0.2: `boolean, corr_cholesky, dependent, greater_than,
integer_interval, integer_greater_than, interval, lower_cholesky, multinomial,
nonnegative_integer, positive, positive_definite, positive_integer, real, real_vector,
simplex, unit_interval`, plus `independent` which reinterprets batch axes as event
axes.
"""

import abc
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Num, Real

# No `from __future__ import annotations` here: Equinox must see `eqx.AbstractClassVar`
# as an object. The jaxtyping annotations are quoted by hand instead, as that import
# would quote them: evaluating their ~60 subscripts cost ~3 ms on first import.

__all__ = [
    "AbstractConstraint",
    "Boolean",
    "CorrCholesky",
    "Dependent",
    "GreaterThan",
    "GreaterThanEq",
    "Independent",
    "IntegerGreaterThan",
    "IntegerInterval",
    "Interval",
    "LowerCholesky",
    "Multinomial",
    "PositiveDefinite",
    "RealSet",
    "RealVector",
    "Simplex",
    "boolean",
    "corr_cholesky",
    "dependent",
    "greater_than",
    "greater_than_eq",
    "independent",
    "integer_greater_than",
    "integer_interval",
    "interval",
    "lower_cholesky",
    "multinomial",
    "nonnegative_integer",
    "positive",
    "positive_definite",
    "positive_integer",
    "real",
    "real_vector",
    "simplex",
    "unit_interval",
]


def _is_integer(x: Array) -> Array:
    return jnp.floor(x) == x


def _as_float(x: ArrayLike) -> Array:
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(float)


def _bound(x: ArrayLike) -> Array | np.ndarray:
    """A bound as an array leaf. Python numbers become NumPy arrays so that the module
    level constants (`positive`, `unit_interval`, ...) do not start JAX at import."""
    if isinstance(x, (bool, int, float)):
        return np.asarray(x, dtype=float if isinstance(x, float) else int)
    return jnp.asarray(x)


class AbstractConstraint(eqx.Module):
    """A set of values; `constraint(x)` tests membership event by event.

    Subclasses give `event_dim` (how many rightmost axes form one element of the set),
    `__call__` and `feasible_like`.
    """

    event_dim: eqx.AbstractClassVar[int]

    @abc.abstractmethod
    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        """Whether each event of `x` is in the set: shape `x.shape[:x.ndim-event_dim]`."""

    @abc.abstractmethod
    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        """A point of the set with the shape (and floating dtype) of `x`."""


class RealSet(AbstractConstraint):
    """The real line: finite values (not NaN, not +-inf)."""

    event_dim: ClassVar[int] = 0

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        return jnp.isfinite(x)

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        return jnp.zeros_like(_as_float(x))


class RealVector(AbstractConstraint):
    """Vectors of finite reals (`event_dim` 1)."""

    event_dim: ClassVar[int] = 1

    def __call__(self, x: "Num[ArrayLike, '... n']") -> "Bool[Array, '...']":
        return jnp.all(jnp.isfinite(x), axis=-1)

    def feasible_like(self, x: "Num[ArrayLike, '... n']") -> Array:
        return jnp.zeros_like(_as_float(x))


class Boolean(AbstractConstraint):
    """The set `{0, 1}`."""

    event_dim: ClassVar[int] = 0

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        x = jnp.asarray(x)
        return (x == 0) | (x == 1)

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        return jnp.zeros_like(x)


class GreaterThan(AbstractConstraint):
    """The open half line `x > lower_bound`."""

    event_dim: ClassVar[int] = 0
    lower_bound: "Real[Array | np.ndarray, '...']"

    def __init__(self, lower_bound: "Real[ArrayLike, '...']"):
        self.lower_bound = _bound(lower_bound)

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        return jnp.asarray(x) > self.lower_bound

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        x = _as_float(x)
        return (jnp.zeros_like(x) + self.lower_bound + 1).astype(x.dtype)


class GreaterThanEq(AbstractConstraint):
    """The closed half line `x >= lower_bound` (e.g. the support of `Pareto`, whose
    density is positive at its bound)."""

    event_dim: ClassVar[int] = 0
    lower_bound: "Real[Array | np.ndarray, '...']"

    def __init__(self, lower_bound: "Real[ArrayLike, '...']"):
        self.lower_bound = _bound(lower_bound)

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        x = jnp.asarray(x)
        return x >= self.lower_bound

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        x = _as_float(x)
        return (jnp.zeros_like(x) + self.lower_bound + 1).astype(x.dtype)


class Interval(AbstractConstraint):
    """The closed interval `lower_bound <= x <= upper_bound`."""

    event_dim: ClassVar[int] = 0
    lower_bound: "Real[Array | np.ndarray, '...']"
    upper_bound: "Real[Array | np.ndarray, '...']"

    def __init__(
        self,
        lower_bound: "Real[ArrayLike, '...']",
        upper_bound: "Real[ArrayLike, '...']",
    ):
        self.lower_bound = _bound(lower_bound)
        self.upper_bound = _bound(upper_bound)

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        x = jnp.asarray(x)
        return (x >= self.lower_bound) & (x <= self.upper_bound)

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        x = _as_float(x)
        middle = (self.lower_bound + self.upper_bound) / 2
        return (jnp.zeros_like(x) + middle).astype(x.dtype)


class IntegerInterval(AbstractConstraint):
    """Integers `lower_bound <= x <= upper_bound`."""

    event_dim: ClassVar[int] = 0
    lower_bound: "Real[Array | np.ndarray, '...']"
    upper_bound: "Real[Array | np.ndarray, '...']"

    def __init__(
        self,
        lower_bound: "Real[ArrayLike, '...']",
        upper_bound: "Real[ArrayLike, '...']",
    ):
        self.lower_bound = _bound(lower_bound)
        self.upper_bound = _bound(upper_bound)

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        x = jnp.asarray(x)
        return _is_integer(x) & (x >= self.lower_bound) & (x <= self.upper_bound)

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        x = jnp.asarray(x)
        return (jnp.zeros_like(x) + self.lower_bound).astype(x.dtype)


class IntegerGreaterThan(AbstractConstraint):
    """Integers `x >= lower_bound` (NumPyro's convention: the bound is included)."""

    event_dim: ClassVar[int] = 0
    lower_bound: "Real[Array | np.ndarray, '...']"

    def __init__(self, lower_bound: "Real[ArrayLike, '...']"):
        self.lower_bound = _bound(lower_bound)

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        x = jnp.asarray(x)
        return _is_integer(x) & (x >= self.lower_bound)

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        x = jnp.asarray(x)
        return (jnp.zeros_like(x) + self.lower_bound).astype(x.dtype)


class LowerCholesky(AbstractConstraint):
    """Lower-triangular square matrices with a positive diagonal."""

    event_dim: ClassVar[int] = 2

    def __call__(self, x: "Num[ArrayLike, '... n n']") -> "Bool[Array, '...']":
        x = jnp.asarray(x)
        lower = jnp.all(jnp.triu(x, k=1) == 0, axis=(-2, -1))
        positive_diagonal = jnp.all(jnp.diagonal(x, axis1=-2, axis2=-1) > 0, axis=-1)
        return lower & positive_diagonal & jnp.all(jnp.isfinite(x), axis=(-2, -1))

    def feasible_like(self, x: "Num[ArrayLike, '... n n']") -> Array:
        x = _as_float(x)
        return jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)


class CorrCholesky(AbstractConstraint):
    """Cholesky factors of correlation matrices: lower Cholesky with unit-norm rows."""

    event_dim: ClassVar[int] = 2

    def __call__(self, x: "Num[ArrayLike, '... n n']") -> "Bool[Array, '...']":
        x = _as_float(x)
        tol = 10 * jnp.finfo(x.dtype).eps * x.shape[-1]
        row_norms = jnp.linalg.norm(x, axis=-1)
        unit_rows = jnp.all(jnp.abs(row_norms - 1) <= tol, axis=-1)
        return LowerCholesky()(x) & unit_rows

    def feasible_like(self, x: "Num[ArrayLike, '... n n']") -> Array:
        x = _as_float(x)
        return jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)


class PositiveDefinite(AbstractConstraint):
    """Symmetric positive-definite matrices."""

    event_dim: ClassVar[int] = 2

    def __call__(self, x: "Num[ArrayLike, '... n n']") -> "Bool[Array, '...']":
        x = _as_float(x)
        tol = 10 * jnp.finfo(x.dtype).eps
        scale = jnp.max(jnp.abs(x), axis=(-2, -1))
        asymmetry = jnp.max(jnp.abs(x - jnp.swapaxes(x, -2, -1)), axis=(-2, -1))
        symmetric = asymmetry <= tol * scale
        finite = jnp.all(jnp.isfinite(x), axis=(-2, -1))
        safe = jnp.where(
            finite[..., None, None], x, jnp.eye(x.shape[-1], dtype=x.dtype)
        )
        safe = (safe + jnp.swapaxes(safe, -2, -1)) / 2
        positive = jnp.linalg.eigvalsh(safe)[..., 0] > 0
        return symmetric & finite & positive

    def feasible_like(self, x: "Num[ArrayLike, '... n n']") -> Array:
        x = _as_float(x)
        return jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)


class Simplex(AbstractConstraint):
    """Vectors of non-negative entries that sum to one (within float tolerance)."""

    event_dim: ClassVar[int] = 1

    def __call__(self, x: "Num[ArrayLike, '... n']") -> "Bool[Array, '...']":
        x = _as_float(x)
        tol = 10 * jnp.finfo(x.dtype).eps * max(x.shape[-1], 1) ** 0.5
        nonnegative = jnp.all(x >= 0, axis=-1)
        return nonnegative & (jnp.abs(jnp.sum(x, axis=-1) - 1) <= tol)

    def feasible_like(self, x: "Num[ArrayLike, '... n']") -> Array:
        x = _as_float(x)
        return jnp.full_like(x, 1 / x.shape[-1])


class Multinomial(AbstractConstraint):
    """Vectors of non-negative integers that sum to `upper_bound`."""

    event_dim: ClassVar[int] = 1
    upper_bound: "Real[Array | np.ndarray, '...']"

    def __init__(self, upper_bound: "Real[ArrayLike, '...']"):
        self.upper_bound = _bound(upper_bound)

    def __call__(self, x: "Num[ArrayLike, '... n']") -> "Bool[Array, '...']":
        x = jnp.asarray(x)
        counts = jnp.all(_is_integer(x) & (x >= 0), axis=-1)
        return counts & (jnp.sum(x, axis=-1) == self.upper_bound)

    def feasible_like(self, x: "Num[ArrayLike, '... n']") -> Array:
        x = jnp.asarray(x)
        first = jnp.zeros(x.shape[-1], dtype=x.dtype).at[0].set(1)
        bound = jnp.asarray(self.upper_bound)[..., None]
        return (jnp.zeros_like(x) + first * bound).astype(x.dtype)


class Dependent(AbstractConstraint):
    """A placeholder for sets that depend on other parameters (e.g. `Uniform.low`).

    It has no membership test of its own: calling it raises `ValueError`.
    """

    event_dim: ClassVar[int] = 0

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        raise ValueError(
            "The `dependent` constraint cannot decide membership: the valid set "
            "depends on other parameters."
        )

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        raise ValueError("The `dependent` constraint has no feasible point.")


class Independent(AbstractConstraint):
    """`base_constraint` with `reinterpreted_batch_ndims` more axes per event.

    A value is inside when every element of the event is inside `base_constraint`.
    """

    base_constraint: AbstractConstraint
    reinterpreted_batch_ndims: int = eqx.field(static=True)

    def __init__(
        self, base_constraint: AbstractConstraint, reinterpreted_batch_ndims: int
    ):
        if reinterpreted_batch_ndims < 0:
            raise ValueError(
                "independent: `reinterpreted_batch_ndims` must be >= 0, got "
                f"{reinterpreted_batch_ndims}."
            )
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def __call__(self, x: "Num[ArrayLike, '...']") -> "Bool[Array, '...']":
        inside = self.base_constraint(x)
        n = self.reinterpreted_batch_ndims
        return jnp.all(inside, axis=tuple(range(-n, 0))) if n else inside

    def feasible_like(self, x: "Num[ArrayLike, '...']") -> Array:
        return self.base_constraint.feasible_like(x)


boolean = Boolean()
corr_cholesky = CorrCholesky()
dependent = Dependent()
greater_than = GreaterThan
greater_than_eq = GreaterThanEq
independent = Independent
integer_interval = IntegerInterval
integer_greater_than = IntegerGreaterThan
interval = Interval
lower_cholesky = LowerCholesky()
multinomial = Multinomial
nonnegative_integer = IntegerGreaterThan(0)
positive = GreaterThan(0.0)
positive_definite = PositiveDefinite()
positive_integer = IntegerGreaterThan(1)
real = RealSet()
real_vector = RealVector()
simplex = Simplex()
unit_interval = Interval(0.0, 1.0)
