"""Flow train steps (4 layers, MADE 2x64, batch 256, Adam) and their compile time.

Directions: the cheap ones (MAF density estimation: `log_prob` of data; IAF
variational inference: `sample_and_log_prob`) and the sequential ones (IAF density,
MAF VI: `D` network passes per layer). Every library is jitted the same way: one
`jax.jit` of `step(params, opt_state, batch_or_key)` over a pytree of arrays. The
reference is the same flow hand-written in `jax.numpy` (benchmarks/_handwritten_flow.py).
"""

from __future__ import annotations

import re
import time
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import eqdist
import eqdist.flows

from ._timing import compare, format_seconds

BATCH = 256
HIDDEN = (64, 64)


def _target_log_prob(z):
    # A fixed Gaussian target for the VI directions (cheap, same for all).
    return -0.5 * jnp.sum(((z - 1.0) / 2.0) ** 2, axis=-1)


def _layers_only(flow):
    """`(params, build)` training the layers only, like numpyro's flow (whose base
    is fixed)."""
    trainable = jax.tree.map(lambda _: False, flow)
    trainable = eqx.tree_at(
        lambda f: f.transforms,
        trainable,
        jax.tree.map(eqx.is_inexact_array, flow.transforms),
    )
    params, static = eqx.partition(flow, trainable)
    return params, lambda p: eqx.combine(p, static)


def _eqdist_flow(key, dim, layers, maf):
    build = (
        eqdist.flows.masked_autoregressive_flow
        if maf
        else eqdist.flows.inverse_autoregressive_flow
    )
    flow = build(key, eqdist.Normal(jnp.zeros(dim), 1.0), layers, HIDDEN)
    return _layers_only(flow)


def _handwritten(key, dim, layers, maf):
    from ._handwritten_flow import HandwrittenFlow

    # eqdist's starting weights, so both compute the same numbers.
    made = (
        eqdist.flows.inverse_autoregressive_flow(
            key, eqdist.Normal(jnp.zeros(dim), 1.0), layers, HIDDEN
        )
        .transforms[0]
        .layers.autoregressive_nn
    )
    params = {"weights": made.weights, "biases": made.biases}
    return params, lambda p: HandwrittenFlow(p, made.masks, maf)


def _eqdist_unstacked_flow(key, dim, layers, maf):
    """The same flow as a Python list of separate layers (numpyro's structure), for
    the compile table only: what the scan saves and what it costs."""
    from eqdist.flows import AutoregressiveNN, InverseAutoregressiveTransform
    from eqdist.transforms import InverseTransform, PermuteTransform

    transforms = []
    for i, layer_key in enumerate(jax.random.split(key, layers)):
        layer = InverseAutoregressiveTransform(
            AutoregressiveNN(dim, HIDDEN, key=layer_key)
        )
        transforms.append(InverseTransform(layer) if maf else layer)
        if dim > 1 and i < layers - 1:
            transforms.append(PermuteTransform(jnp.arange(dim)[::-1]))
    base = eqdist.Normal(jnp.zeros(dim), 1.0).to_event(1)
    flow = eqdist.TransformedDistribution(base, transforms)
    return _layers_only(flow)


def _flowjax_flow(key, dim, layers, maf):
    from flowjax.distributions import Normal
    from flowjax.flows import masked_autoregressive_flow

    # flowjax's `invert=True` makes log_prob the one-pass direction (a MAF).
    flow = masked_autoregressive_flow(
        key,
        base_dist=Normal(jnp.zeros(dim)),
        flow_layers=layers,
        nn_width=HIDDEN[0],
        nn_depth=len(HIDDEN),
        invert=maf,
    )
    params, static = eqx.partition(flow, eqx.is_inexact_array)
    return params, lambda p: eqx.combine(p, static)


def _numpyro_flow(key, dim, layers, maf):
    import numpyro.distributions as npd
    from numpyro.distributions.flows import InverseAutoregressiveTransform
    from numpyro.distributions.transforms import PermuteTransform
    from numpyro.nn import AutoregressiveNN

    init_fn, apply_fn = AutoregressiveNN(dim, list(HIDDEN), param_dims=[1, 1])
    params = [init_fn(k, (dim,))[1] for k in jax.random.split(key, layers)]
    reverse = jnp.arange(dim)[::-1]

    def build(ps):
        transforms = []
        for i, p in enumerate(ps):
            layer = InverseAutoregressiveTransform(partial(apply_fn, p))
            transforms.append(layer.inv if maf else layer)
            if dim > 1 and i < layers - 1:
                transforms.append(PermuteTransform(reverse))
        base = npd.Normal(jnp.zeros(dim), 1.0).to_event(1)
        return npd.TransformedDistribution(base, transforms)

    return params, build


_LIBRARIES = {
    "hand-written": _handwritten,
    "eqdist": _eqdist_flow,
    "numpyro": _numpyro_flow,
    "flowjax": _flowjax_flow,
}
# Compile table only.
_UNSTACKED = "eqdist (layers unstacked)"
_BUILDERS = {**_LIBRARIES, _UNSTACKED: _eqdist_unstacked_flow}

# direction -> (MAF flow?, loss kind)
DIRECTIONS = {
    "MAF density": (True, "density"),
    "IAF VI": (False, "vi"),
    "IAF density": (False, "density"),
    "MAF VI": (True, "vi"),
}


def _sample_and_log_prob(lib, flow, key):
    if lib == "numpyro":
        z, intermediates = flow.sample_with_intermediates(key, (BATCH,))
        return z, flow.log_prob(z, intermediates)
    return flow.sample_and_log_prob(key, (BATCH,))


def make_step(lib, direction, dim, layers, key=None):
    """`(jitted step, params, opt_state, argument)` for one library and direction."""
    key = jax.random.key(0) if key is None else key
    maf, kind = DIRECTIONS[direction]
    params, build = _BUILDERS[lib](key, dim, layers, maf)
    optimizer = optax.adam(1e-3)

    if kind == "density":

        def loss(p, x):
            return -jnp.mean(build(p).log_prob(x))

        arg = jax.random.normal(jax.random.key(1), (BATCH, dim))
    else:

        def loss(p, k):
            z, log_q = _sample_and_log_prob(lib, build(p), k)
            return jnp.mean(log_q - _target_log_prob(z))

        arg = jax.random.key(2)

    def step(p, opt_state, a):
        value, grads = jax.value_and_grad(loss)(p, a)
        updates, opt_state = optimizer.update(grads, opt_state, p)
        return optax.apply_updates(p, updates), opt_state, value

    return jax.jit(step), params, optimizer.init(params), arg


def _train_tables(mode: str) -> str:
    dims = {"smoke": (2,), "quick": (2, 16), "full": (2, 16, 64)}[mode]
    directions = list(DIRECTIONS) if mode != "smoke" else ["MAF VI"]
    layers = 1 if mode == "smoke" else 4
    repeats = {"smoke": 2, "quick": 10, "full": 30}[mode]
    warmup = 1 if mode == "smoke" else 2
    lines = [
        f"### Flow train step ({layers} layers, MADE 2x64, batch 256, Adam), jax.jit "
        "of (params, opt_state, batch)",
        "",
        "| direction | D | hand-written | eqdist | numpyro | flowjax | "
        "eqdist / numpyro | flowjax / numpyro | hand-written / numpyro | "
        "eqdist / hand-written |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for direction in directions:
        for dim in dims:
            if mode == "quick" and direction in ("IAF density", "MAF VI"):
                continue  # the sequential directions: full mode only
            cases = {}
            for lib in _LIBRARIES:
                step, params, opt_state, arg = make_step(lib, direction, dim, layers)
                cases[lib] = lambda s=step, p=params, o=opt_state, a=arg: s(p, o, a)
            m = compare(cases, repeats, warmup)
            hand, eq, npy, fjx = (
                m[lib] for lib in ("hand-written", "eqdist", "numpyro", "flowjax")
            )
            lines.append(
                f"| {direction} | {dim} | {format_seconds(hand)} | "
                f"{format_seconds(eq)} | {format_seconds(npy)} | "
                f"{format_seconds(fjx)} | {eq / npy:.2f}x | {fjx / npy:.2f}x | "
                f"{hand / npy:.2f}x | {eq / hand:.2f}x |"
            )
    return "\n".join(lines) + "\n"


def _compile_seconds(
    lib, direction, dim, layers, repeats=1
) -> tuple[float, float, str]:
    """Trace and compile seconds of a freshly built step (no cache hit), the run of
    `repeats` with the median total, and the compiled HLO text of that step."""
    runs = []
    for _ in range(repeats):
        step, params, opt_state, arg = make_step(lib, direction, dim, layers)
        start = time.perf_counter()
        lowered = step.lower(params, opt_state, arg)
        traced = time.perf_counter()
        hlo = lowered.compile().as_text()
        runs.append((traced - start, time.perf_counter() - traced, hlo))
    runs.sort(key=lambda run: run[0] + run[1])
    return runs[len(runs) // 2]


def fused_kernels(hlo: str) -> tuple[int, int]:
    """`(call sites, distinct bodies)` of the fused computations in compiled HLO text.

    Two bodies count as one when they differ only in instruction names and metadata:
    XLA:CPU's code generation time follows the distinct ones (identical unrolled
    layers share theirs), which is what the compile table's kernel column shows.
    """
    bodies = {}
    for block in hlo.split("\n\n"):
        header = re.match(r"\s*(%[\w.\-]+) \(", block)
        if header:
            bodies[header.group(1)] = block.split("{", 1)[1]
    sites = re.findall(r"calls=(%[\w.\-]+)", hlo)

    def canonical(body: str) -> str:
        body = re.sub(r", metadata=\{[^}]*\}", "", body)
        return re.sub(r"%[\w.\-]+", "%", body)

    return len(sites), len({canonical(bodies[name]) for name in set(sites)})


def _compile_table(mode: str) -> str:
    # eqdist's builders stack identical layers and scan them: its compile time
    # should not grow with the depth (numpyro unrolls a Python list of layers).
    few, many = {"smoke": (1, 2), "quick": (2, 8), "full": (4, 32)}[mode]
    repeats = {"smoke": 1, "quick": 1, "full": 3}[mode]
    dim = 2 if mode == "smoke" else 16
    lines = [
        f"### Train step trace + compile time, MAF density D={dim}, "
        f"{few} vs {many} layers (median of {repeats})",
        "",
        f"| library | trace {few} | compile {few} | trace {many} | compile {many} | "
        f"total {many} / total {few} | fused kernels at {few} (call sites / "
        "distinct) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    totals = {}
    for lib in [*_LIBRARIES, _UNSTACKED] if mode != "smoke" else ["eqdist"]:
        t_few, c_few, hlo = _compile_seconds(lib, "MAF density", dim, few, repeats)
        t_many, c_many, _ = _compile_seconds(lib, "MAF density", dim, many, repeats)
        totals[lib] = t_few + c_few
        sites, distinct = fused_kernels(hlo)
        lines.append(
            f"| {lib} | {format_seconds(t_few)} | {format_seconds(c_few)} | "
            f"{format_seconds(t_many)} | {format_seconds(c_many)} | "
            f"{(t_many + c_many) / (t_few + c_few):.2f}x | {sites} / {distinct} |"
        )
    if mode == "smoke":
        return "\n".join(lines) + "\n"
    lines.append("")
    lines.append(
        f"eqdist / numpyro at {few} layers (trace + compile): "
        f"{totals['eqdist'] / totals['numpyro']:.2f}x; "
        f"flowjax / numpyro: {totals['flowjax'] / totals['numpyro']:.2f}x; "
        f"eqdist with unstacked layers / numpyro: "
        f"{totals[_UNSTACKED] / totals['numpyro']:.2f}x; "
        f"hand-written / numpyro: {totals['hand-written'] / totals['numpyro']:.2f}x."
    )
    return "\n".join(lines) + "\n"


def run(mode: str) -> str:
    return _train_tables(mode) + "\n" + _compile_table(mode)
