"""Fitting loops: maximum likelihood on data, and variational fits to a loss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from jaxtyping import Array, ArrayLike, PRNGKeyArray, PyTree

from .._distribution import AbstractDistribution
from ._unconstrained import constrain, unconstrain


def _optimizer(optimizer: Any, learning_rate: float) -> Any:
    import optax

    return optax.adam(learning_rate) if optimizer is None else optimizer


def _progress(total: int, show: bool, description: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not show, desc=description, dynamic_ncols=True)


def make_step(
    loss: Callable[[PyTree, Any, Any], Array], optimizer: Any
) -> Callable[..., tuple[PyTree, Any, Array]]:
    """One jitted optimisation step on the trainable (floating) arrays.

    `loss(trainable, static, batch_or_key)` is minimised; the static part (masks,
    integer parameters, configuration) is passed through unchanged. Returns
    `step(trainable, static, opt_state, batch_or_key) -> (trainable, opt_state, loss)`.

    When every leaf of the arguments is an array (as for every eqdist model), the
    step is a plain `jax.jit`; otherwise `eqx.filter_jit`, which treats non-array
    leaves as static at a per-call cost of a few hundred microseconds (a quarter of
    a small flow's step).
    """
    import optax

    def update(trainable, static, opt_state, batch):
        value, grads = eqx.filter_value_and_grad(loss)(trainable, static, batch)
        updates, opt_state = optimizer.update(grads, opt_state, trainable)
        return optax.apply_updates(trainable, updates), opt_state, value

    plain, filtered = jax.jit(update), eqx.filter_jit(update)

    def step(trainable, static, opt_state, batch):
        args = (trainable, static, opt_state, batch)
        if all(isinstance(leaf, _ARRAYS) for leaf in jax.tree_util.tree_leaves(args)):
            return plain(*args)
        return filtered(*args)

    return step


_ARRAYS = (jax.Array, np.ndarray)


def _split(tree: PyTree) -> tuple[PyTree, PyTree]:
    return eqx.partition(unconstrain(tree), eqx.is_inexact_array)


def _join(trainable: PyTree, static: PyTree) -> PyTree:
    return constrain(eqx.combine(trainable, static))


def _negative_log_likelihood(trainable: PyTree, static: PyTree, batch: Array) -> Array:
    dist = _join(trainable, static)
    return -jnp.mean(dist.log_prob(batch))


def fit_to_data(
    key: PRNGKeyArray,
    dist: AbstractDistribution,
    data: ArrayLike,
    *,
    optimizer: Any = None,
    learning_rate: float = 5e-4,
    max_epochs: int = 100,
    batch_size: int = 256,
    val_prop: float = 0.1,
    max_patience: int = 5,
    return_best: bool = True,
    show_progress: bool = True,
    mesh: Mesh | None = None,
) -> tuple[AbstractDistribution, dict[str, list[float]]]:
    """Fit `dist` to `data` by maximum likelihood with minibatch gradient steps.

    Every floating parameter is trained; constrained ones through `unconstrain`, so
    they stay inside their constraints. Data are split once into training and
    validation sets, the training set is shuffled every epoch, and training stops
    after `max_patience` epochs without a better validation loss.

    **Arguments:**

    - `key`: PRNG key for the split and the shuffles.
    - `dist`: the distribution to fit (a flow, or any distribution).
    - `data`: samples, shape `(n,) + dist.batch_shape + dist.event_shape`.
    - `optimizer`: an optax optimizer (default `optax.adam(learning_rate)`).
    - `max_epochs`, `batch_size`, `val_prop`, `max_patience`: the schedule; the last
      incomplete batch of an epoch is dropped so that the step compiles once.
    - `return_best`: return the parameters of the best validation loss (else the last).
    - `show_progress`: a tqdm progress bar.
    - `mesh`: a `jax.sharding.Mesh`; batches are then sharded along its first axis
      and the parameters replicated (data parallelism). `batch_size` must be a
      multiple of that axis's size.

    **Returns:** `(fitted distribution, {"train": [...], "val": [...]})`, mean
    negative log-likelihood per epoch.
    """
    data = jnp.asarray(data)
    n = data.shape[0]
    n_val = round(val_prop * n)
    n_train = n - n_val
    if n_train < 1 or n_val < 1 or batch_size > n_train:
        raise ValueError(
            f"fit_to_data: {n} samples cannot give a validation split of {val_prop} "
            f"and training batches of {batch_size}."
        )
    key, split_key = jax.random.split(key)
    data = data[jax.random.permutation(split_key, n)]
    train, val = data[:n_train], data[n_train:]

    put_batch, put_params = _placement(mesh, batch_size)
    optimizer = _optimizer(optimizer, learning_rate)
    trainable, static = _split(dist)
    trainable = put_params(trainable)
    opt_state = optimizer.init(trainable)
    step = make_step(_negative_log_likelihood, optimizer)
    evaluate = eqx.filter_jit(_negative_log_likelihood)
    val = (
        put_batch(val)
        if mesh is not None and n_val % _data_axis_size(mesh) == 0
        else val
    )

    best = (jnp.inf, trainable)
    losses: dict[str, list[float]] = {"train": [], "val": []}
    patience = 0
    n_batches = n_train // batch_size
    with _progress(max_epochs, show_progress, "fit_to_data") as bar:
        for _ in range(max_epochs):
            key, shuffle_key = jax.random.split(key)
            order = jax.random.permutation(shuffle_key, n_train)
            batch_losses = []
            for b in range(n_batches):
                batch = put_batch(train[order[b * batch_size : (b + 1) * batch_size]])
                trainable, opt_state, value = step(trainable, static, opt_state, batch)
                batch_losses.append(value)
            losses["train"].append(float(jnp.mean(jnp.stack(batch_losses))))
            losses["val"].append(float(evaluate(trainable, static, val)))
            bar.update()
            bar.set_postfix(
                train=f"{losses['train'][-1]:.4f}", val=f"{losses['val'][-1]:.4f}"
            )
            if losses["val"][-1] < best[0]:
                best, patience = (losses["val"][-1], trainable), 0
            else:
                patience += 1
                if patience > max_patience:
                    break
    final = best[1] if return_best else trainable
    return _join(final, static), losses


def elbo_loss(
    target_log_density: Callable[[Array], Array], num_samples: int = 16
) -> Callable[[AbstractDistribution, PRNGKeyArray], Array]:
    r"""The negative evidence lower bound of a variational distribution $q$ for an
    unnormalised target $\tilde p$:
    $-\mathbb E_q[\log\tilde p(x) - \log q(x)]$, estimated with `num_samples` draws
    through `sample_and_log_prob` (one forward pass for an inverse autoregressive
    flow).

    **Arguments:**

    - `target_log_density`: $\log\tilde p$, mapping `(num_samples, *event)` draws to
      `(num_samples,)`.
    - `num_samples`: draws per estimate.
    """

    def loss(dist: AbstractDistribution, key: PRNGKeyArray) -> Array:
        x, log_q = dist.sample_and_log_prob(key, (num_samples,))
        return jnp.mean(log_q - target_log_density(x))

    return loss


def fit_to_variational_target(
    key: PRNGKeyArray,
    dist: AbstractDistribution,
    loss_fn: Callable[[AbstractDistribution, PRNGKeyArray], Array],
    *,
    steps: int = 1000,
    optimizer: Any = None,
    learning_rate: float = 5e-4,
    return_best: bool = True,
    show_progress: bool = True,
) -> tuple[AbstractDistribution, list[float]]:
    """Minimise a user-supplied `loss_fn(dist, key)` (e.g. `elbo_loss(...)`) over the
    floating parameters of `dist`, constrained ones through `unconstrain`.

    **Returns:** `(fitted distribution, losses per step)`; with `return_best`, the
    parameters of the lowest loss seen.
    """
    optimizer = _optimizer(optimizer, learning_rate)
    trainable, static = _split(dist)
    opt_state = optimizer.init(trainable)

    def loss(trainable, static, step_key):
        return loss_fn(_join(trainable, static), step_key)

    step = make_step(loss, optimizer)
    losses: list[float] = []
    best = (np.inf, trainable)
    with _progress(steps, show_progress, "fit_to_variational_target") as bar:
        for i, step_key in enumerate(jax.random.split(key, steps)):
            new, opt_state, value = step(trainable, static, opt_state, step_key)
            losses.append(float(value))
            if losses[-1] < best[0]:  # the loss was measured at `trainable`
                best = (losses[-1], trainable)
            trainable = new
            if i % 50 == 0 or i == steps - 1:
                bar.set_postfix(loss=f"{losses[-1]:.4f}")
            bar.update()
    final = best[1] if return_best else trainable
    return _join(final, static), losses


def _data_axis_size(mesh: Mesh) -> int:
    return mesh.shape[mesh.axis_names[0]]


def _placement(mesh: Mesh | None, batch_size: int):
    """Functions that place a batch (sharded on the mesh's first axis) and the
    parameters (replicated) on `mesh`; identity without a mesh."""
    if mesh is None:
        return (lambda batch: batch), (lambda tree: tree)
    size = _data_axis_size(mesh)
    if batch_size % size:
        raise ValueError(
            f"fit_to_data: `batch_size` {batch_size} must be a multiple of the "
            f"mesh's data axis size {size}."
        )
    batch_sharding = NamedSharding(mesh, PartitionSpec(mesh.axis_names[0]))
    replicated = NamedSharding(mesh, PartitionSpec())

    def put_batch(batch):
        return jax.device_put(batch, batch_sharding)

    def put_params(tree):
        return jax.tree.map(lambda leaf: jax.device_put(leaf, replicated), tree)

    return put_batch, put_params
