"""The main job, for now: fit a Normal to data by maximum likelihood with plain JAX.

`make demo` runs this. (The normalizing-flow demo replaces it when flows land.)
"""

import jax
import jax.numpy as jnp

import eqdist


def main() -> None:
    key_data, key_sample = jax.random.split(jax.random.key(0))
    data = 3.0 + 0.5 * jax.random.normal(key_data, (2000,))

    # Unconstrained parameters: the scale is exp of a free real.
    def loss(params):
        loc, log_scale = params
        return -eqdist.Normal(loc, jnp.exp(log_scale)).log_prob(data).mean()

    params = (jnp.array(0.0), jnp.array(0.0))
    step = jax.jit(
        lambda p: jax.tree.map(lambda x, g: x - 0.1 * g, p, jax.grad(loss)(p))
    )
    for i in range(301):
        if i % 100 == 0:
            print(f"step {i:3d}  negative log-likelihood {float(loss(params)):.4f}")
        params = step(params)
    fitted = eqdist.Normal(params[0], jnp.exp(params[1]))
    print(
        f"fitted loc {float(fitted.loc):.3f} (true 3.0), scale {float(fitted.scale):.3f} (true 0.5)"
    )
    print("five draws:", fitted.sample(key_sample, (5,)))


if __name__ == "__main__":
    main()
