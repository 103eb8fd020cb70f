"""`biject_to`: the bijection from unconstrained space onto a constraint's set."""

from __future__ import annotations

import numpy as np

from .. import constraints
from ._affine import AffineTransform, concrete
from ._base import AbstractTransform
from ._cholesky import (
    CorrCholeskyTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
)
from ._compose import ComposeTransform
from ._elementwise import ExpTransform, SigmoidTransform
from ._identity import IdentityTransform, IndependentTransform
from ._stick_breaking import StickBreakingTransform


def _is(value: object, number: int) -> bool:
    """Whether `value` is known at trace time to equal `number` everywhere."""
    array = concrete(value)
    return array is not None and bool(np.all(array == number))


def biject_to(constraint: constraints.AbstractConstraint) -> AbstractTransform:
    r"""A bijection from unconstrained space onto the set of `constraint`.

    | constraint | transform |
    | --- | --- |
    | `real` | `IdentityTransform()` |
    | `real_vector` | `IdentityTransform(1)` |
    | `positive` | `ExpTransform()` |
    | `greater_than(b)` | `ExpTransform()` then `AffineTransform(b, 1)` |
    | `unit_interval` | `SigmoidTransform()` |
    | `interval(a, b)` | `SigmoidTransform()` then `AffineTransform(a, b - a)` |
    | `simplex` | `StickBreakingTransform()` |
    | `lower_cholesky` | `LowerCholeskyTransform()` |
    | `corr_cholesky` | `CorrCholeskyTransform()` |
    | `positive_definite` | `PositiveDefiniteTransform()` |
    | `independent(c, n)` | `IndependentTransform(biject_to(c), n)` |

    The transform's `codomain` is `constraint` (or an equal set), its `domain` the
    unconstrained set of the same (or, for the vector-to-matrix ones, smaller)
    `event_dim`. Bounds may be traced arrays; the shortcuts for `positive` and
    `unit_interval` apply only where the bounds are known to be 0 and 1.

    **Arguments:**

    - `constraint`: an `eqdist.constraints` constraint.

    **Raises:** `NotImplementedError` for sets that no bijection from unconstrained
    space reaches (`boolean`, the integer sets, `multinomial`, `dependent`);
    `TypeError` when `constraint` is not a constraint.
    """
    c = constraint
    if not isinstance(c, constraints.AbstractConstraint):
        raise TypeError(
            f"biject_to: expected an eqdist constraint, got {type(c).__name__} {c!r}."
        )
    if isinstance(c, constraints.RealSet):
        return IdentityTransform()
    if isinstance(c, constraints.RealVector):
        return IdentityTransform(1)
    if isinstance(c, (constraints.GreaterThan, constraints.GreaterThanEq)):
        # The closed half line maps like the open one: the bound itself has measure 0.
        if _is(c.lower_bound, 0):
            return ExpTransform()
        return ComposeTransform(
            [ExpTransform(), AffineTransform(c.lower_bound, 1, constraints.positive)]
        )
    if isinstance(c, constraints.Interval):
        if _is(c.lower_bound, 0) and _is(c.upper_bound, 1):
            return SigmoidTransform()
        scale = c.upper_bound - c.lower_bound
        return ComposeTransform(
            [
                SigmoidTransform(),
                AffineTransform(c.lower_bound, scale, constraints.unit_interval),
            ]
        )
    if isinstance(c, constraints.Simplex):
        return StickBreakingTransform()
    if isinstance(c, constraints.CorrCholesky):
        return CorrCholeskyTransform()
    if isinstance(c, constraints.LowerCholesky):
        return LowerCholeskyTransform()
    if isinstance(c, constraints.PositiveDefinite):
        return PositiveDefiniteTransform()
    if isinstance(c, constraints.Independent):
        base = biject_to(c.base_constraint)
        n = c.reinterpreted_batch_ndims
        return IndependentTransform(base, n) if n else base
    raise NotImplementedError(
        f"biject_to: there is no bijection from unconstrained space onto "
        f"`{type(c).__name__}` constraints ({c!r}); discrete, multinomial and "
        "dependent sets cannot be reached by a smooth bijection."
    )
