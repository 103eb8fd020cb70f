"""`StackedTransform`: identical layers stored stacked and applied with `lax.scan`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .. import constraints
from ..transforms import InverseTransform
from ..transforms._base import AbstractTransform
from ._iaf import InverseAutoregressiveTransform
from ._made import AutoregressiveNN


def _floating(x: ArrayLike) -> Array:
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return x
    return x.astype(jnp.result_type(float))


def _permuter(permutation: tuple[int, ...] | None, inverse: bool):
    """`x -> x[..., permutation]` (or its inverse) as one XLA op: a reversal is a
    `rev` (whose transpose is a `rev`, not a scatter-add), anything else a gather."""
    if permutation is None:
        return lambda x: x
    if permutation == tuple(range(len(permutation) - 1, -1, -1)):
        return lambda x: jnp.flip(x, axis=-1)
    index = np.argsort(permutation) if inverse else np.asarray(permutation)
    return lambda x: x[..., index]


def _split_layers(layers: AbstractTransform) -> tuple[Any, Any]:
    """`(stacked floating leaves, shared rest)` for the scan, with every MADE's masks
    applied to its stacked weights once, outside the loop: the scanned steps then
    neither mask again nor keep masked weights as residuals for the gradient."""

    def is_made(node: Any) -> bool:
        return isinstance(node, AutoregressiveNN)

    layers = jax.tree.map(
        lambda n: n._premasked() if is_made(n) else n, layers, is_leaf=is_made
    )
    return eqx.partition(layers, eqx.is_inexact_array)


def _forward_and_log_det(layer: AbstractTransform, x: Array) -> tuple[Array, Array]:
    """`(layer(x), log|det J_layer(x)|)`, with one network pass where possible."""
    if isinstance(layer, InverseTransform) and isinstance(
        layer.transform, InverseAutoregressiveTransform
    ):
        # The inverse's last pass yields the exact log-scales: no extra pass.
        y, log_scale = layer.transform._inverse_and_log_scale(x)
        return y, -jnp.sum(log_scale, axis=-1)
    y, intermediates = layer.call_with_intermediates(x)
    return y, layer.log_abs_det_jacobian(x, y, intermediates)


def _inverse_and_log_det(layer: AbstractTransform, y: Array) -> tuple[Array, Array]:
    """`(x, log|det J_layer(x)|)` with `x = layer.inv(y)`."""
    if isinstance(layer, InverseTransform):
        # The wrapped transform's forward map gives the log-det alongside.
        x, log_det = _forward_and_log_det(layer.transform, y)
        return x, -log_det
    if isinstance(layer, InverseAutoregressiveTransform):
        x, log_scale = layer._inverse_and_log_scale(y)
        return x, jnp.sum(log_scale, axis=-1)
    x = layer.inv(y)
    return x, layer.log_abs_det_jacobian(x, y)


class StackedTransform(AbstractTransform):
    r"""`num_layers` layers of identical structure with a fixed permutation $P$ of
    the last axis between consecutive layers, stored once with stacked parameters
    and applied with `jax.lax.scan`:

    $$t = t_L \circ P \circ t_{L-1} \circ \dots \circ P \circ t_1.$$

    Every floating array of `layers` has a leading axis of size `num_layers` (layer
    $i$ uses slice $i$); every other leaf (e.g. a MADE's boolean masks) is shared by
    all layers. Because the scan traces one layer whatever the depth, the jaxpr and
    the compile time of a flow do not grow with `num_layers`. Build the stacked
    module with `eqx.filter_vmap` over keys, as `masked_autoregressive_flow` does.

    `call_with_intermediates` keeps the total $\log|\det J|$, so
    `log_abs_det_jacobian(x, y, intermediates)` is free, and
    `inv_and_log_abs_det_jacobian(y)` gives the inverse and the log-det in one pass
    (what `TransformedDistribution.log_prob` uses). For autoregressive layers both
    directions take one network pass per layer in the cheap direction and $D$ in
    the sequential one, with no extra pass for the log-det.

    **Arguments:**

    - `layers`: a transform on vectors (`event_dim == 1`) whose floating leaves are
      stacked along a leading layer axis.
    - `permutation`: applied between consecutive layers (static; e.g. the reversal
      `(D-1, ..., 0)`, so each dimension conditions on every other), or `None`.
    """

    layers: AbstractTransform
    permutation: tuple[int, ...] | None = eqx.field(static=True)

    def __init__(
        self,
        layers: AbstractTransform,
        permutation: Sequence[int] | None = None,
    ):
        if not isinstance(layers, AbstractTransform):
            raise TypeError(
                "StackedTransform: `layers` must be a transform, got "
                f"{type(layers).__name__}."
            )
        if layers.domain.event_dim != 1 or layers.codomain.event_dim != 1:
            raise ValueError(
                "StackedTransform: `layers` must act on vectors (event_dim 1), got "
                f"{type(layers).__name__} with event_dim {layers.domain.event_dim}."
            )
        sizes = {
            np.shape(leaf)[:1]
            for leaf in jax.tree.leaves(eqx.filter(layers, eqx.is_inexact_array))
        }
        if len(sizes) != 1 or sizes == {()}:
            raise ValueError(
                "StackedTransform: every floating array of `layers` must have the "
                f"same leading (layer) axis, got leading sizes {sorted(sizes)}."
            )
        if permutation is not None:
            perm = np.asarray(permutation)
            if perm.ndim != 1 or sorted(perm.tolist()) != list(range(perm.size)):
                raise ValueError(
                    "StackedTransform: `permutation` must be a permutation of "
                    f"0..n-1, got {permutation!r}."
                )
            permutation = tuple(int(i) for i in perm)
        self.layers = layers
        self.permutation = permutation

    @property
    def num_layers(self) -> int:
        """The depth: the size of the leading axis of the stacked parameters."""
        leaves = jax.tree.leaves(eqx.filter(self.layers, eqx.is_inexact_array))
        return int(np.shape(leaves[0])[0])

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    def _check(self, x: Array, what: str) -> None:
        if self.permutation is not None and (
            x.ndim < 1 or x.shape[-1] != len(self.permutation)
        ):
            raise ValueError(
                f"StackedTransform: `{what}` must have a last axis of size "
                f"{len(self.permutation)}, got shape {x.shape}."
            )

    def call_with_intermediates(
        self, x: Float[ArrayLike, "*batch dim"]
    ) -> tuple[Array, Any]:
        x = _floating(x)
        self._check(x, "x")
        stacked, shared = _split_layers(self.layers)
        permute = _permuter(self.permutation, inverse=False)

        # t_L o P o ... o P o t_1 = (t_L o P) o ... o (t_1 o P) o P^-1: the scanned
        # step is "permute, then the layer", after one inverse permutation.
        def step(carry, params):
            x, log_det = carry
            layer = eqx.combine(params, shared)
            y, layer_log_det = _forward_and_log_det(layer, permute(x))
            return (y, log_det + layer_log_det), None

        start = (
            _permuter(self.permutation, inverse=True)(x),
            jnp.zeros_like(x[..., 0]),
        )
        (y, log_det), _ = jax.lax.scan(step, start, stacked)
        return y, log_det

    def inv_and_log_abs_det_jacobian(
        self, y: Float[ArrayLike, "*batch dim"]
    ) -> tuple[Array, Array]:
        """`(x, log|det J_t(x)|)` for `x = t^{-1}(y)`, in one scan."""
        y = _floating(y)
        self._check(y, "y")
        stacked, shared = _split_layers(self.layers)
        unpermute = _permuter(self.permutation, inverse=True)

        def step(carry, params):
            y, log_det = carry
            layer = eqx.combine(params, shared)
            x, layer_log_det = _inverse_and_log_det(layer, y)
            return (unpermute(x), log_det + layer_log_det), None

        start = (y, jnp.zeros_like(y[..., 0]))
        (x, log_det), _ = jax.lax.scan(step, start, stacked, reverse=True)
        return _permuter(self.permutation, inverse=False)(x), log_det

    def inv(self, y: Float[ArrayLike, "*batch dim"]) -> Array:
        return self.inv_and_log_abs_det_jacobian(y)[0]

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "*batch dim"],
        y: Float[ArrayLike, "*batch dim"],
        intermediates: Any = None,
    ) -> Array:
        if intermediates is not None:
            return intermediates
        if isinstance(self.layers, InverseTransform):
            # Masked autoregressive layers: the inverse is the one-pass direction.
            return self.inv_and_log_abs_det_jacobian(y)[1]
        return self.call_with_intermediates(x)[1]
