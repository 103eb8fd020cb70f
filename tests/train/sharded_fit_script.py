"""Run by test_sharding.py in a fresh process with 4 host devices: fits the same flow
on a 1-device and a 4-device mesh and prints both loss curves as JSON."""

import json
import sys

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import Mesh  # noqa: E402

import eqdist  # noqa: E402
from eqdist import train  # noqa: E402
from eqdist.flows import masked_autoregressive_flow  # noqa: E402


def run(devices):
    mesh = Mesh(np.array(devices), ("data",))
    flow = masked_autoregressive_flow(
        jax.random.key(1),
        eqdist.Normal(jnp.zeros(2), 1.0),
        num_layers=2,
        hidden_dims=(16,),
    )
    data = train.two_moons(jax.random.key(0), 1200)
    fitted, losses = train.fit_to_data(
        jax.random.key(2),
        flow,
        data,
        learning_rate=5e-3,
        max_epochs=4,
        batch_size=128,
        val_prop=0.2,
        show_progress=False,
        mesh=mesh,
    )
    made = fitted.transforms[0].layers.transform.autoregressive_nn
    sharding = made.weights[0].sharding
    return losses, len(sharding.device_set)


devices = jax.devices()
assert len(devices) == 4, devices
one, one_devices = run(devices[:1])
four, four_devices = run(devices)
json.dump(
    {"one": one, "four": four, "devices": [one_devices, four_devices]}, sys.stdout
)
