"""A variational autoencoder on scikit-learn's 8x8 digits, with and without an IAF.

The encoder of an `eqx.Module` outputs a diagonal `Normal` posterior over the latent
code (`.to_event(1)`), the decoder a `Binomial(16, logits)` likelihood over the grey
levels 0..16 of the 64 pixels; both distributions are built inside the forward pass,
and the ELBO is `log p(x|z) + log p(z) - log q(z|x)` with one reparameterized draw
from `sample_and_log_prob`.

The second model has the same encoder and decoder, plus two inverse autoregressive
flow layers (Kingma et al. 2016) pushed on top of the amortised Normal. The IAF is
conditioned on the image as in the paper: the encoder also outputs a context vector
`h`, which shifts the first hidden layer of each MADE (set inside the forward pass
with `eqx.tree_at`), so `q(z|x)` becomes a non-Gaussian, correlated posterior per
image. The script prints the test ELBO of both models and writes a PNG of test
images, their reconstructions and samples from the prior.

    python examples/vae_digits.py [--quick] [--out DIR]
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
from sklearn.datasets import load_digits

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import eqdist
from eqdist.flows import AutoregressiveNN, InverseAutoregressiveTransform
from eqdist.transforms import PermuteTransform

LATENT = 8
CONTEXT = 16  # size of the encoder's context vector h for the IAF
HIDDEN = 64  # width of each MADE's hidden layer
LEVELS = 16  # the digits' pixels are counts 0..16


def _iaf_layers(key, num_layers):
    """IAF layers with the order reversed between them, as a list: each layer gets
    its own context below. (`eqdist.flows.inverse_autoregressive_flow` stores its
    layers stacked and scans them, which suits unconditioned flows.)"""
    reverse = PermuteTransform(tuple(range(LATENT - 1, -1, -1)))
    layers = []
    for i, layer_key in enumerate(jax.random.split(key, num_layers)):
        made = AutoregressiveNN(LATENT, (HIDDEN,), key=layer_key)
        layers.append(InverseAutoregressiveTransform(made))
        if i < num_layers - 1:
            layers.append(reverse)
    return layers


def _identity_start(layer):
    """Zero a MADE's output layer: shift 0 and scale 1, so the layer starts as the
    identity and training begins from the plain VAE's posterior family."""
    if not isinstance(layer, InverseAutoregressiveTransform):
        return layer  # the permutations between layers

    def made(t):
        return (t.autoregressive_nn.weights[-1], t.autoregressive_nn.biases[-1])

    return eqx.tree_at(made, layer, replace_fn=jnp.zeros_like)


def _with_context(layer, projection, h):
    """The IAF layer conditioned on the context `h` (Kingma et al. 2016, sec. 4):
    `h` shifts the first hidden layer of the MADE. Hidden units may depend on `h`
    freely, so the layer stays autoregressive in `z`. The layer is a PyTree, so
    conditioning is one `eqx.tree_at` on a leaf inside the forward pass."""
    if not isinstance(layer, InverseAutoregressiveTransform):
        return layer

    def first_bias(t):
        return t.autoregressive_nn.biases[0]

    return eqx.tree_at(first_bias, layer, first_bias(layer) + projection(h))


class VAE(eqx.Module):
    encoder: eqx.nn.MLP
    decoder: eqx.nn.MLP
    # IAF layers on top of the amortised Normal, and one context projection per
    # layer (None between layers); both empty for the plain VAE.
    flow_layers: tuple
    context_projections: tuple

    def __init__(self, key, *, iaf_layers: int = 0):
        k_enc, k_dec, k_flow, k_proj = jax.random.split(key, 4)
        out = 2 * LATENT + CONTEXT
        self.encoder = eqx.nn.MLP(64, out, 128, 2, jax.nn.softplus, key=k_enc)
        self.decoder = eqx.nn.MLP(LATENT, 64, 128, 2, jax.nn.softplus, key=k_dec)
        if iaf_layers:
            layers = _iaf_layers(k_flow, iaf_layers)
            self.flow_layers = tuple(_identity_start(t) for t in layers)
            keys = iter(jax.random.split(k_proj, len(layers)))
            self.context_projections = tuple(
                eqx.nn.Linear(CONTEXT, HIDDEN, use_bias=False, key=next(keys))
                if isinstance(t, InverseAutoregressiveTransform)
                else None
                for t in layers
            )
        else:
            self.flow_layers = self.context_projections = ()

    def posterior(self, x):
        """q(z | x) for one image `x` of shape (64,)."""
        out = self.encoder(x / LEVELS)
        loc, raw_scale = out[:LATENT], out[LATENT : 2 * LATENT]
        q = eqdist.Normal(loc, jax.nn.softplus(raw_scale) + 1e-3).to_event(1)
        if self.flow_layers:
            h = out[2 * LATENT :]
            layers = [
                _with_context(layer, projection, h)
                for layer, projection in zip(self.flow_layers, self.context_projections)
            ]
            q = eqdist.TransformedDistribution(q, layers)
        return q

    def likelihood(self, z):
        """p(x | z): 64 independent Binomial(16, .) pixels, one event."""
        return eqdist.Binomial(LEVELS, logits=self.decoder(z)).to_event(1)

    def elbo(self, x, key):
        """A one-sample estimate of the evidence lower bound for one image."""
        z, log_q = self.posterior(x).sample_and_log_prob(key)
        prior = eqdist.Normal(jnp.zeros(LATENT), 1.0).to_event(1)
        return self.likelihood(z).log_prob(x) + prior.log_prob(z) - log_q


def batch_elbo(model, xs, key, num_samples=1):
    keys = jax.random.split(key, (xs.shape[0], num_samples))
    per_draw = jax.vmap(jax.vmap(model.elbo, in_axes=(None, 0)))(xs, keys)
    return jnp.mean(per_draw)


def train_and_evaluate(
    model, x_train, x_test, key, steps, num_eval, batch_size=128, learning_rate=2e-3
):
    """Adam on minibatches, then the test ELBO (`num_eval` draws per image): all in
    one compiled function, the steps inside a `lax.scan`."""
    optimizer = optax.adam(optax.cosine_decay_schedule(learning_rate, steps))
    params, static = eqx.partition(model, eqx.is_inexact_array)

    def step(carry, key):
        params, opt_state = carry
        k_batch, k_elbo = jax.random.split(key)
        idx = jax.random.choice(k_batch, x_train.shape[0], (batch_size,))

        def loss_fn(p):
            return -batch_elbo(eqx.combine(p, static), x_train[idx], k_elbo)

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    @jax.jit
    def run(params, key):
        k_train, k_eval = jax.random.split(key)
        carry = (params, optimizer.init(params))
        keys = jax.random.split(k_train, steps)
        (params, _), _ = jax.lax.scan(step, carry, keys)
        elbo = batch_elbo(eqx.combine(params, static), x_test, k_eval, num_eval)
        return params, elbo

    params, elbo = run(params, key)
    return eqx.combine(params, static), float(elbo)


@eqx.filter_jit
def reconstruct_and_sample(model, originals, key):
    """Decoder means for posterior draws of `originals`, and for prior draws."""
    k_rec, k_prior = jax.random.split(key)
    keys = jax.random.split(k_rec, originals.shape[0])
    z = jax.vmap(lambda x, k: model.posterior(x).sample(k))(originals, keys)
    z_prior = eqdist.Normal(jnp.zeros(LATENT), 1.0).sample(k_prior, (10,))
    decode = jax.vmap(lambda z: model.likelihood(z).mean)
    return decode(z), decode(z_prior)


def plot(path, model, x_test, key):
    originals = x_test[:10]
    recon, samples = reconstruct_and_sample(model, originals, key)
    rows = [("test images", originals), ("reconstructions", recon)]
    rows.append(("samples (decoder mean)", samples))
    fig, axes = plt.subplots(3, 10, figsize=(10, 3.4))
    for r, (title, images) in enumerate(rows):
        for c in range(10):
            axes[r, c].imshow(np.asarray(images[c]).reshape(8, 8), cmap="gray_r")
            axes[r, c].axis("off")
        axes[r, 0].set_title(title, loc="left", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps only")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args(argv)
    start = time.perf_counter()

    digits = load_digits().data.astype(np.float32)  # (1797, 64), values 0..16
    perm = np.random.default_rng(0).permutation(len(digits))
    x_train, x_test = jnp.asarray(digits[perm[:1500]]), jnp.asarray(digits[perm[1500:]])
    steps = 200 if args.quick else 6000
    num_eval = 2 if args.quick else 32

    k_init, k_train, k_plot = jax.random.split(jax.random.key(0), 3)
    results = {}
    for name, iaf_layers in [("Normal posterior", 0), ("IAF posterior", 2)]:
        model = eqx.filter_jit(VAE)(k_init, iaf_layers=iaf_layers)
        model, elbo = train_and_evaluate(
            model, x_train, x_test, k_train, steps, num_eval
        )
        results[name] = (model, elbo)
        print(f"{name}: test ELBO {elbo:.2f} nats per image")
    gain = results["IAF posterior"][1] - results["Normal posterior"][1]
    print(f"IAF minus Normal: {gain:+.2f} nats per image")

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "vae_digits.png"
    plot(path, results["IAF posterior"][0], x_test, k_plot)
    print(f"saved {path}; done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
