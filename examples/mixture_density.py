"""A mixture density network (Bishop 1994) on a 1-D inverse problem.

The forward map `x = y + 0.3 sin(2 pi y) + noise` is a function, but its inverse is
multi-valued: for x near 0.5 there are three plausible y. A network that predicts
y from x by least squares averages the branches; a mixture density network outputs
a whole conditional density instead. An MLP maps x to `CategoricalLogits` mixing
weights and the `loc`/`scale` of `K` Normal components, and the mixture
log-likelihood is

    log p(y | x) = logsumexp_k [ log pi_k(x) + log N(y; mu_k(x), sigma_k(x)) ],

with `log pi_k` from `CategoricalLogits.log_prob(k)` for every component `k`
(`enumerate_support`). The script prints the test negative log-likelihood and writes
a PNG of the predicted conditional density p(y | x) over the data.

    python examples/mixture_density.py [--quick] [--out DIR]
"""

import argparse
import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import eqdist

K = 5  # mixture components


def make_data(key, n):
    """y uniform on [0, 1]; x = y + 0.3 sin(2 pi y) + uniform noise on [-0.1, 0.1]."""
    k_y, k_noise = jax.random.split(key)
    y = jax.random.uniform(k_y, (n,))
    noise = jax.random.uniform(k_noise, (n,), minval=-0.1, maxval=0.1)
    return y + 0.3 * jnp.sin(2 * jnp.pi * y) + noise, y


class MDN(eqx.Module):
    net: eqx.nn.MLP

    def __init__(self, key):
        self.net = eqx.nn.MLP(1, 3 * K, 32, 2, jnp.tanh, key=key)

    def __call__(self, x):
        """The mixing distribution and the components for one scalar `x`."""
        out = self.net(jnp.reshape(x, (1,)))
        logits, loc, raw_scale = out[:K], out[K : 2 * K], out[2 * K :]
        mixing = eqdist.CategoricalLogits(logits)  # batch (), K categories
        components = eqdist.Normal(loc, jax.nn.softplus(raw_scale) + 1e-3)  # batch (K,)
        return mixing, components

    def log_prob(self, x, y):
        """log p(y | x) of the mixture, for one pair."""
        mixing, components = self(x)
        log_weights = mixing.log_prob(mixing.enumerate_support(expand=False))  # (K,)
        return jax.nn.logsumexp(log_weights + components.log_prob(y))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps only")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args(argv)
    start = time.perf_counter()

    k_data, k_test, k_model = jax.random.split(jax.random.key(0), 3)
    x, y = make_data(k_data, 2000)
    x_test, y_test = make_data(k_test, 1000)
    model = MDN(k_model)
    steps = 300 if args.quick else 4000

    optimizer = optax.adam(optax.cosine_decay_schedule(1e-2, steps))
    opt_state = optimizer.init(eqx.filter(model, eqx.is_inexact_array))

    def nll(model, x, y):
        return -jnp.mean(jax.vmap(model.log_prob)(x, y))

    params, static = eqx.partition(model, eqx.is_array)

    @jax.jit
    def train(params, opt_state):
        # All steps in one compiled scan: full-batch Adam on 2000 points.
        def step(carry, _):
            params, opt_state = carry
            loss, grads = jax.value_and_grad(
                lambda p: nll(eqx.combine(p, static), x, y)
            )(params)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), loss

        return jax.lax.scan(step, (params, opt_state), None, length=steps)

    (params, _), losses = train(params, opt_state)
    model = eqx.combine(params, static)
    test_nll = float(eqx.filter_jit(nll)(model, x_test, y_test))
    print(f"train negative log-likelihood: {float(losses[-1]):.3f}")
    print(f"test negative log-likelihood: {test_nll:.3f} nats per point")

    xs = jnp.linspace(-0.2, 1.2, 200)
    ys = jnp.linspace(-0.1, 1.1, 200)
    log_density = eqx.filter_jit(
        lambda model: jax.vmap(
            lambda yy: jax.vmap(model.log_prob)(xs, jnp.full_like(xs, yy))
        )(ys)
    )(model)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    density = np.exp(np.asarray(log_density))
    # Each column is p(y | x) for one x; scale columns to a common peak to compare.
    ax.pcolormesh(xs, ys, density / density.max(axis=0), shading="auto")
    ax.scatter(x_test, y_test, s=1, color="white", alpha=0.4)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"p(y | x) from a {K}-component mixture density network")
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "mixture_density.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved {path}; done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
