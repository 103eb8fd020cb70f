"""One-call constructors for K-layer autoregressive flows."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import equinox as eqx
import jax
from jaxtyping import Array, PRNGKeyArray

from .._distribution import AbstractDistribution
from .._transformed import TransformedDistribution
from ..transforms import InverseTransform
from ..transforms._base import AbstractTransform
from ._iaf import InverseAutoregressiveTransform
from ._made import AutoregressiveNN
from ._stacked import StackedTransform


def _stacked_layers(
    key: PRNGKeyArray,
    base_distribution: AbstractDistribution,
    num_layers: int,
    hidden_dims: Sequence[int],
    invert: bool,
    **layer_options,
) -> StackedTransform:
    shape = base_distribution.batch_shape + base_distribution.event_shape
    if not shape:
        raise ValueError(
            "autoregressive flows need vector-valued samples; the base distribution's "
            "samples are scalars. Use e.g. Normal(jnp.zeros(dim), 1.0)."
        )
    if num_layers < 1:
        raise ValueError(f"`num_layers` must be >= 1, got {num_layers}.")
    dim = shape[-1]
    made_options = {
        name: layer_options.pop(name)
        for name in ("skip_connections", "nonlinearity")
        if name in layer_options
    }

    def layer(layer_key: PRNGKeyArray) -> AbstractTransform:
        made = AutoregressiveNN(dim, hidden_dims, key=layer_key, **made_options)
        iaf = InverseAutoregressiveTransform(made, **layer_options)
        return InverseTransform(iaf) if invert else iaf

    keys = jax.random.split(key, num_layers)
    # One layer per key, weights stacked along a leading axis; the masks (the same
    # for every layer) are kept once, from a single layer.
    weights = eqx.filter(eqx.filter_vmap(layer)(keys), eqx.is_inexact_array)
    shared = eqx.filter(layer(keys[0]), eqx.is_inexact_array, inverse=True)
    # Reverse the order after every layer so each dimension conditions on every other.
    reverse = tuple(range(dim - 1, -1, -1)) if dim > 1 else None
    return StackedTransform(eqx.combine(weights, shared), reverse)


def inverse_autoregressive_flow(
    key: PRNGKeyArray,
    base_distribution: AbstractDistribution,
    num_layers: int = 4,
    hidden_dims: Sequence[int] = (64, 64),
    *,
    stable: bool = False,
    skip_connections: bool = False,
    nonlinearity: Callable[[Array], Array] = jax.nn.relu,
    log_scale_min_clip: float = -5.0,
    log_scale_max_clip: float = 3.0,
) -> TransformedDistribution:
    """A `num_layers`-layer inverse autoregressive flow over `base_distribution`
    (Kingma et al. 2016), with the order reversed between layers.

    Sampling and `sample_and_log_prob` take one network pass per layer (the
    variational-inference direction); `log_prob` of outside data takes `D` passes per
    layer. The layers (identical in structure) are stored with stacked weights in one
    `StackedTransform`, `flow.transforms[0]`, and applied with `jax.lax.scan`: the
    compile time does not grow with `num_layers`.

    **Arguments:**

    - `key`: PRNG key for the networks' initial weights.
    - `base_distribution`: samples of shape `(..., D)`; a batch of `D` scalars is
      turned into one `D`-dimensional event.
    - `num_layers`, `hidden_dims`: depth of the flow and widths of each MADE.
    - `stable`, `log_scale_min_clip`, `log_scale_max_clip`: see
      `InverseAutoregressiveTransform`; `skip_connections`, `nonlinearity`: see
      `AutoregressiveNN`.
    """
    layers = _stacked_layers(
        key,
        base_distribution,
        num_layers,
        hidden_dims,
        invert=False,
        stable=stable,
        skip_connections=skip_connections,
        nonlinearity=nonlinearity,
        log_scale_min_clip=log_scale_min_clip,
        log_scale_max_clip=log_scale_max_clip,
    )
    return TransformedDistribution(base_distribution, layers)


def masked_autoregressive_flow(
    key: PRNGKeyArray,
    base_distribution: AbstractDistribution,
    num_layers: int = 4,
    hidden_dims: Sequence[int] = (64, 64),
    *,
    stable: bool = False,
    skip_connections: bool = False,
    nonlinearity: Callable[[Array], Array] = jax.nn.relu,
    log_scale_min_clip: float = -5.0,
    log_scale_max_clip: float = 3.0,
) -> TransformedDistribution:
    """A `num_layers`-layer masked autoregressive flow (Papamakarios et al. 2017,
    "Masked Autoregressive Flow for Density Estimation", arXiv:1705.07057): each layer
    is `InverseTransform(InverseAutoregressiveTransform(...))`.

    `log_prob` takes one network pass per layer (the density-estimation direction,
    for `fit_to_data`); sampling takes `D` passes per layer. The layers are stored
    stacked in one `StackedTransform` (`flow.transforms[0]`), as for
    `inverse_autoregressive_flow`, whose arguments this takes.
    """
    layers = _stacked_layers(
        key,
        base_distribution,
        num_layers,
        hidden_dims,
        invert=True,
        stable=stable,
        skip_connections=skip_connections,
        nonlinearity=nonlinearity,
        log_scale_min_clip=log_scale_min_clip,
        log_scale_max_clip=log_scale_max_clip,
    )
    return TransformedDistribution(base_distribution, layers)
