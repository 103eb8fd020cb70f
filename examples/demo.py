"""The main job (`make demo`): train a normalizing flow on a built-in 2-D target.

Trains a masked autoregressive flow by maximum likelihood on samples generated in
code (two moons by default, or a ring of Gaussians whose exact density is known),
shows a progress bar, prints the negative log-likelihoods, saves the trained flow and
writes a PNG of the data, flow samples and the learned density.

    python examples/demo.py [--target moons|ring] [--quick] [--out DIR]
"""

import argparse
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import eqdist
from eqdist import train
from eqdist.flows import masked_autoregressive_flow


def make_flow(key):
    base = eqdist.Normal(jnp.zeros(2), 1.0)
    return masked_autoregressive_flow(key, base, num_layers=5, hidden_dims=(64, 64))


def plot(path, data, samples, flow, title):
    grid = jnp.linspace(-3.5, 3.5, 200)
    xx, yy = jnp.meshgrid(grid, grid)
    points = jnp.stack([xx.ravel(), yy.ravel()], axis=-1)
    log_prob = jax.jit(lambda flow, points: flow.log_prob(points))(flow, points)
    density = jnp.exp(log_prob).reshape(xx.shape)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.3), sharex=True, sharey=True)
    axes[0].scatter(data[:, 0], data[:, 1], s=1, alpha=0.4)
    axes[0].set_title("training data")
    axes[1].scatter(samples[:, 0], samples[:, 1], s=1, alpha=0.4, color="tab:orange")
    axes[1].set_title("flow samples")
    axes[2].pcolormesh(xx, yy, density, shading="auto", cmap="viridis")
    axes[2].set_title("learned density")
    for ax in axes:
        ax.set_xlim(-3.5, 3.5)
        ax.set_ylim(-3.5, 3.5)
        ax.set_aspect("equal")
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=["moons", "ring"], default="moons")
    parser.add_argument("--quick", action="store_true", help="a few epochs only")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    key_data, key_flow, key_fit, key_sample = jax.random.split(jax.random.key(0), 4)
    n = 2_000 if args.quick else 20_000
    if args.target == "moons":
        data = train.two_moons(key_data, n)
    else:
        data = train.ring_mixture(key_data, n)
    flow = make_flow(key_flow)
    flow, losses = train.fit_to_data(
        key_fit,
        flow,
        data,
        learning_rate=2e-3,
        max_epochs=3 if args.quick else 60,
        batch_size=256,
        max_patience=8,
        show_progress=not args.no_progress,
    )
    best = min(range(len(losses["val"])), key=losses["val"].__getitem__)
    print(f"epochs run: {len(losses['train'])}")
    print(f"train negative log-likelihood: {losses['train'][best]:.4f} (best epoch)")
    print(f"validation negative log-likelihood: {losses['val'][best]:.4f}")
    if args.target == "ring":
        exact = -float(jnp.mean(train.ring_mixture_log_prob(data)))
        print(f"exact negative log-likelihood of the data: {exact:.4f}")

    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / f"flow_{args.target}.eqx"
    train.save(model_path, flow)
    reloaded = train.load(model_path, make_flow(jax.random.key(1)))
    assert jnp.array_equal(reloaded.log_prob(data[:10]), flow.log_prob(data[:10]))
    samples = jax.jit(lambda flow, k: flow.sample(k, (n,)))(flow, key_sample)
    image_path = args.out / f"flow_{args.target}.png"
    plot(
        image_path, data, samples, flow, f"masked autoregressive flow on {args.target}"
    )
    print(f"saved the flow to {model_path} and the plot to {image_path}")
    print(f"done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
