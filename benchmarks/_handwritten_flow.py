"""A hand-written `jax.numpy` autoregressive flow: the reference column of the flow
train-step tables.

The same computation as eqdist's `masked_autoregressive_flow` /
`inverse_autoregressive_flow` (MADE 2x64 with ReLU, affine layers with the log-scale
clamped to [-5, 3] straight-through, the order reversed between layers, a standard
normal base), written directly on a dict of stacked arrays with one `lax.scan` over
the layers and no library code: what the formula costs without any abstraction.
Its starting weights are read off an eqdist flow, so the two give the same numbers
(tests/test_benchmarks.py checks that).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import lax

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def _times_transpose(h, w):
    return lax.dot_general(h, w, (((h.ndim - 1,), (1,)), ((), ())))


def _shift_and_log_scale(weights, biases, x):
    h = jax.nn.relu(_times_transpose(x, weights[0]) + biases[0])
    h = jax.nn.relu(_times_transpose(h, weights[1]) + biases[1])
    out = _times_transpose(h, weights[2]) + biases[2]
    dim = x.shape[-1]
    shift, raw = out[..., :dim], out[..., dim:]
    return shift, raw + lax.stop_gradient(jnp.clip(raw, -5.0, 3.0) - raw)


def _iaf_forward(layer, x):
    """`(mu(x) + exp(s(x)) x, s(x))`: one network pass."""
    shift, log_scale = _shift_and_log_scale(*layer, x)
    return shift + jnp.exp(log_scale) * x, log_scale


def _iaf_inverse(layer, y):
    """`(x, s(x))` with `y = mu(x) + exp(s(x)) x`: `D` network passes."""

    def one_pass(_, carry):
        shift, log_scale = _shift_and_log_scale(*layer, carry[0])
        return (y - shift) * jnp.exp(-log_scale), log_scale

    start = (jnp.zeros_like(y), jnp.zeros_like(y))
    return lax.fori_loop(0, y.shape[-1], one_pass, start)


def _base_log_prob(x):
    return jnp.sum(-0.5 * x * x - _HALF_LOG_TWO_PI, axis=-1)


class HandwrittenFlow:
    """`log_prob` and `sample_and_log_prob` of the flow with parameters `params`
    (`{"weights": 3 arrays (L, out, in), "biases": 3 arrays (L, out)}`, masks
    already applied via `masks`)."""

    def __init__(self, params, masks, maf: bool):
        weights = tuple(jnp.where(m, w, 0) for m, w in zip(masks, params["weights"]))
        self.layers = (weights, tuple(params["biases"]))
        self.maf = maf

    def log_prob(self, y):
        # Undo t_L o P o ... o P o t_1 from the last layer down.
        def step(carry, layer):
            y, log_det = carry
            if self.maf:  # the inverse of a MAF layer is an IAF layer's forward
                x, log_scale = _iaf_forward(layer, y)
                return (jnp.flip(x, -1), log_det - jnp.sum(log_scale, -1)), None
            x, log_scale = _iaf_inverse(layer, y)
            return (jnp.flip(x, -1), log_det + jnp.sum(log_scale, -1)), None

        start = (y, jnp.zeros(y.shape[:-1], y.dtype))
        (x, log_det), _ = lax.scan(step, start, self.layers, reverse=True)
        return _base_log_prob(jnp.flip(x, -1)) - log_det

    def sample_and_log_prob(self, key, sample_shape):
        dim = self.layers[1][2].shape[-1] // 2
        x = jax.random.normal(key, (*sample_shape, dim))

        def step(carry, layer):
            x, log_q = carry
            x = jnp.flip(x, -1)
            if self.maf:  # a MAF layer's forward is an IAF layer's inverse
                y, log_scale = _iaf_inverse(layer, x)
                return (y, log_q + jnp.sum(log_scale, -1)), None
            y, log_scale = _iaf_forward(layer, x)
            return (y, log_q - jnp.sum(log_scale, -1)), None

        # Starting from P^-1 x0 makes the scanned step "permute, then the layer".
        start = (jnp.flip(x, -1), _base_log_prob(x))
        (y, log_q), _ = lax.scan(step, start, self.layers)
        return y, log_q
