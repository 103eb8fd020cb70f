"""Argument validation: the process-wide default and the eager/traced failure paths.

Validation is opt-in (`validate_args=True` on a constructor, or
`eqdist.enable_validation()` for the whole process). When it is on, a violated
constraint raises `ValueError` eagerly, and inside `jax.jit` it becomes a runtime
error through `equinox.error_if`: never a silent wrong number.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Bool

_validation_default = [False]


def enable_validation(is_validate: bool = True) -> None:
    """Switch argument validation on (or off) for every distribution built afterwards
    whose `validate_args` is left as `None`.

    **Arguments:**

    - `is_validate`: the new process-wide default.
    """
    _validation_default[0] = bool(is_validate)


def resolve_validate_args(validate_args: bool | None) -> bool:
    """The effective flag: an explicit `True`/`False` wins over the process default."""
    if validate_args is None:
        return _validation_default[0]
    return bool(validate_args)


def is_traced(*arrays: object) -> bool:
    """Whether any of `arrays` is an abstract tracer (inside `jit`, `vmap`, `grad`...)."""
    return any(isinstance(a, jax.core.Tracer) for a in arrays)


def check(array: Array, ok: Bool[ArrayLike, "..."], message: str) -> Array:
    """Return `array`, failing loudly where `ok` is false.

    Outside of tracing this raises `ValueError(message)` at once. Under a
    transformation it attaches `eqx.error_if` to `array`, so any computation that uses
    the returned array fails at run time with `message`.
    """
    if is_traced(array, ok):
        return eqx.error_if(array, jnp.logical_not(jnp.all(ok)), message)
    if not bool(ok if jnp.ndim(ok) == 0 else jnp.all(ok)):
        raise ValueError(message)
    return array
