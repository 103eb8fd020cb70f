"""`AutoregressiveNN`: a masked autoencoder for distribution estimation (MADE)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float, PRNGKeyArray


def _degrees(
    input_dim: int, hidden_dims: Sequence[int], permutation: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """MADE degrees (Germain et al. 2015, §4): input `i` gets its 1-based rank in the
    permutation order; hidden units cycle through `1 .. input_dim - 1`."""
    input_degrees = np.empty(input_dim, dtype=np.int64)
    input_degrees[permutation] = np.arange(1, input_dim + 1)
    top = max(input_dim - 1, 1)
    hidden_degrees = [np.arange(width) % top + 1 for width in hidden_dims]
    return input_degrees, hidden_degrees


def _times_transpose(h: Array, w: Array) -> Array:
    """`h @ w.T` for weights stored `(out, in)`, as one `dot_general` contracting both
    last axes: no transpose op in the graph, which measured a few percent faster per
    flow train step on CPU than `h @ w.T`."""
    return jax.lax.dot_general(h, w.astype(h.dtype), (((h.ndim - 1,), (1,)), ((), ())))


class AutoregressiveNN(eqx.Module):
    r"""A MADE network (Germain et al. 2015, "MADE: Masked Autoencoder for
    Distribution Estimation", arXiv:1502.03509).

    Maps $x \in \mathbb R^D$ to `len(param_dims)` parameter arrays such that output
    $j$ depends only on the inputs that come before $j$ in `permutation`'s order
    (input `permutation[0]` first). Weights and biases are float leaves, the masks are
    boolean leaves: `eqx.filter(nn, eqx.is_inexact_array)` selects exactly the
    trainable arrays.

    **Arguments:**

    - `input_dim`: $D$.
    - `hidden_dims`: widths of the hidden layers.
    - `param_dims`: how many $D$-vectors each output group has; `(1, 1)` gives a
      location and a log-scale per dimension.
    - `permutation`: the autoregressive order (default `0, 1, ..., D-1`).
    - `skip_connections`: add masked direct connections from input to output.
    - `nonlinearity`: applied after every hidden layer (static).
    - `key`: PRNG key for the initial weights.

    **Returns** (of `__call__`): a tuple with one array per entry of `param_dims`, of
    shape `(..., D)` for a 1 and `(..., p, D)` for a `p > 1`.
    """

    weights: tuple[Float[Array, "out in"], ...]
    biases: tuple[Float[Array, " out"], ...]
    masks: tuple[Bool[Array, "out in"], ...]
    skip_weight: Float[Array, "out in"] | None
    skip_mask: Bool[Array, "out in"] | None
    input_dim: int = eqx.field(static=True)
    param_dims: tuple[int, ...] = eqx.field(static=True)
    permutation: tuple[int, ...] = eqx.field(static=True)
    nonlinearity: Callable[[Array], Array] = eqx.field(static=True)

    def __init__(
        self,
        input_dim: int,
        hidden_dims: Sequence[int],
        param_dims: Sequence[int] = (1, 1),
        permutation: Sequence[int] | ArrayLike | None = None,
        skip_connections: bool = False,
        nonlinearity: Callable[[Array], Array] = jax.nn.relu,
        *,
        key: PRNGKeyArray,
    ):
        if input_dim < 1:
            raise ValueError(
                f"AutoregressiveNN: `input_dim` must be >= 1, got {input_dim}."
            )
        hidden_dims = tuple(int(h) for h in hidden_dims)
        if any(h < 1 for h in hidden_dims):
            raise ValueError(
                f"AutoregressiveNN: `hidden_dims` must be positive, got {hidden_dims}."
            )
        param_dims = tuple(int(p) for p in param_dims)
        if not param_dims or any(p < 1 for p in param_dims):
            raise ValueError(
                f"AutoregressiveNN: `param_dims` must be positive, got {param_dims}."
            )
        if permutation is None:
            permutation = np.arange(input_dim)
        permutation = np.asarray(permutation, dtype=np.int64)
        if sorted(permutation.tolist()) != list(range(input_dim)):
            raise ValueError(
                "AutoregressiveNN: `permutation` must be a permutation of "
                f"0..{input_dim - 1}, got {permutation.tolist()}."
            )
        input_degrees, hidden_degrees = _degrees(input_dim, hidden_dims, permutation)
        output_degrees = np.tile(input_degrees, sum(param_dims))

        # A unit may see a unit of the previous layer with a lower or equal degree;
        # an output may only see strictly lower degrees (Germain et al., eq. 12-13).
        degrees = [input_degrees, *hidden_degrees]
        masks = [
            d_out[:, None] >= d_in[None, :]
            for d_in, d_out in itertools.pairwise(degrees)
        ]
        masks.append(output_degrees[:, None] > degrees[-1][None, :])
        sizes = [input_dim, *hidden_dims, output_degrees.size]
        keys = jax.random.split(key, len(sizes))
        weights, biases = [], []
        for k, fan_in, fan_out in zip(keys, sizes[:-1], sizes[1:]):
            k_w, k_b = jax.random.split(k)
            bound = 1 / np.sqrt(fan_in)
            weights.append(
                jax.random.uniform(k_w, (fan_out, fan_in), minval=-bound, maxval=bound)
            )
            biases.append(
                jax.random.uniform(k_b, (fan_out,), minval=-bound, maxval=bound)
            )
        self.weights = tuple(weights)
        self.biases = tuple(biases)
        self.masks = tuple(jnp.asarray(m) for m in masks)
        if skip_connections:
            bound = 1 / np.sqrt(input_dim)
            self.skip_weight = jax.random.uniform(
                keys[-1], (output_degrees.size, input_dim), minval=-bound, maxval=bound
            )
            self.skip_mask = jnp.asarray(
                output_degrees[:, None] > input_degrees[None, :]
            )
        else:
            self.skip_weight = None
            self.skip_mask = None
        self.input_dim = input_dim
        self.param_dims = param_dims
        self.permutation = tuple(permutation.tolist())
        self.nonlinearity = nonlinearity

    def _premasked(self) -> AutoregressiveNN:
        """The same network with the masks applied to the weights (which may carry
        leading axes, e.g. stacked layers) and dropped: masking then happens once,
        not at every call (`StackedTransform` does this before its scan)."""
        if all(m is None for m in self.masks):
            return self
        weights = tuple(jnp.where(m, w, 0) for w, m in zip(self.weights, self.masks))
        skip = self.skip_weight
        if skip is not None and self.skip_mask is not None:
            skip = jnp.where(self.skip_mask, skip, 0)
        return eqx.tree_at(
            lambda n: (n.weights, n.masks, n.skip_weight, n.skip_mask),
            self,
            (weights, (None,) * len(weights), skip, None),
            is_leaf=lambda leaf: leaf is None,
        )

    def __call__(self, x: Float[ArrayLike, "*batch dim"]) -> tuple[Array, ...]:
        x = jnp.asarray(x)
        if x.shape[-1:] != (self.input_dim,):
            raise ValueError(
                f"AutoregressiveNN: inputs must end in ({self.input_dim},), got "
                f"shape {x.shape}."
            )
        h = x
        last = len(self.weights) - 1
        for i, (w, b, m) in enumerate(zip(self.weights, self.biases, self.masks)):
            w = w if m is None else jnp.where(m, w, 0)
            h = _times_transpose(h, w) + b.astype(h.dtype)
            if i < last:
                h = self.nonlinearity(h)
        if self.skip_weight is not None:
            w = self.skip_weight
            w = w if self.skip_mask is None else jnp.where(self.skip_mask, w, 0)
            h = h + _times_transpose(x, w)
        out = h.reshape(x.shape[:-1] + (sum(self.param_dims), self.input_dim))
        groups, start = [], 0
        for p in self.param_dims:
            group = out[..., start : start + p, :]
            groups.append(group[..., 0, :] if p == 1 else group)
            start += p
        return tuple(groups)
