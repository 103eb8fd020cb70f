"""Shape helpers shared by every distribution: parameter promotion and reductions."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike


def float_dtype(*values: ArrayLike) -> jnp.dtype:
    """The floating dtype that `values` promote to (the default float for ints)."""
    dtype = jnp.result_type(*values)
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.result_type(float)
    return jnp.dtype(dtype)


def promote_params(
    owner: str,
    params: dict[str, tuple],
    dtype: jnp.dtype | None = None,
) -> tuple[Array, ...]:
    """Convert parameters to arrays and broadcast their batch dimensions together.

    Every distribution calls this once, in its constructor, so that its leaves are
    stored already broadcast to `batch_shape + parameter_event_shape`.

    **Arguments:**

    - `owner`: the distribution's name, used in error messages.
    - `params`: `name -> (value, event_ndim)` or `name -> (value, event_ndim, dtype)`;
      `event_ndim` trailing axes of each value are its own event axes and are not
      broadcast. A per-parameter `dtype` (e.g. an integer `total_count`) overrides
      the shared one.
    - `dtype`: the dtype of every other parameter; by default the floating dtype
      those parameters promote to.

    **Returns:** the arrays, in the order of `params`.

    **Raises:** `ValueError` naming `owner` and every parameter's shape when the batch
    shapes do not broadcast, or when a parameter has fewer axes than its event needs;
    `TypeError` naming the parameter when it is a Python list or tuple.
    """
    for name, spec in params.items():
        if isinstance(spec[0], (list, tuple)):
            # As in JAX itself: no implicit conversion of Python sequences, whose
            # dtype and shape are ambiguous (ragged lists, mixed types).
            raise TypeError(
                f"{owner}: parameter `{name}` is a Python {type(spec[0]).__name__}; "
                "pass an array instead (e.g. `jnp.asarray(...)`)."
            )
    shared = [spec[0] for spec in params.values() if len(spec) == 2]
    if dtype is None:
        dtype = float_dtype(*shared) if shared else jnp.result_type(float)
    arrays = {
        name: as_array(spec[0], spec[2] if len(spec) == 3 else dtype)
        for name, spec in params.items()
    }
    batch_shapes = []
    for name, spec in params.items():
        event_ndim = spec[1]
        shape = arrays[name].shape
        if len(shape) < event_ndim:
            raise ValueError(
                f"{owner}: parameter `{name}` needs at least {event_ndim} dimension(s), "
                f"got shape {shape}."
            )
        batch_shapes.append(shape[: len(shape) - event_ndim])
    try:
        # Equal shapes (the common eager case) need no broadcasting arithmetic.
        if all(shape == batch_shapes[0] for shape in batch_shapes):
            batch_shape = batch_shapes[0]
        else:
            batch_shape = jnp.broadcast_shapes(*batch_shapes)
    except ValueError:
        described = ", ".join(f"`{name}` {arrays[name].shape}" for name in params)
        raise ValueError(
            f"{owner}: parameters do not broadcast together: {described}."
        ) from None
    out = []
    for name, spec in params.items():
        array = arrays[name]
        event_ndim = spec[1]
        target = batch_shape + array.shape[array.ndim - event_ndim :]
        if array.shape != target:
            array = jnp.broadcast_to(array, target)
        out.append(array)
    return tuple(out)


def as_array(value: ArrayLike, dtype: jnp.dtype) -> Array:
    """`jnp.asarray(value, dtype=dtype)`, skipping the conversion (~20 µs eagerly) when
    `value` already is a JAX array of that dtype."""
    if isinstance(value, jax.Array) and value.dtype == dtype:
        return value
    return jnp.asarray(value, dtype=dtype)


def sum_rightmost(x: ArrayLike, ndim: int) -> Array:
    """Sum over the `ndim` rightmost axes of `x` (no-op for `ndim <= 0`)."""
    x = jnp.asarray(x)
    if ndim <= 0:
        return x
    return jnp.sum(x, axis=tuple(range(-ndim, 0)))


def as_shape(shape: Sequence[int] | int, what: str = "sample_shape") -> tuple[int, ...]:
    """Normalise a shape argument to a tuple of non-negative Python ints."""
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"`{what}` must be a tuple of ints, got {shape!r}.") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"`{what}` must not contain negative sizes, got {shape}.")
    return shape


def check_key(owner: str, key: object) -> Array:
    """Accept a typed `jax.random.key` or a raw `uint32[2]` key; raise otherwise."""
    if isinstance(key, jax.Array):
        if jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ():
            return key
        if key.dtype == jnp.uint32 and key.shape == (2,):
            return key
        described = f"an array of dtype {key.dtype} and shape {key.shape}"
    else:
        described = f"{type(key).__name__} {key!r}"
    raise TypeError(
        f"{owner}.sample: `key` must be a PRNG key (`jax.random.key(seed)` or "
        f"`jax.random.PRNGKey(seed)`), got {described}."
    )
