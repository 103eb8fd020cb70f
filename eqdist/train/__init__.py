"""Training helpers (needs the `train` extra: optax and tqdm).

- `fit_to_data`: maximum likelihood on samples, minibatches, early stopping,
  optional data parallelism on a `jax.sharding.Mesh`.
- `fit_to_variational_target` with `elbo_loss`: variational inference.
- `unconstrain` / `constrain` / `Unconstrained`: how constrained parameters are trained.
- `save` / `load`: persistence with architecture checks.
"""

from typing import TYPE_CHECKING

from .. import _lazy

# The exports, loaded on first access (see eqdist/_lazy.py); this block is their list.
if TYPE_CHECKING:
    from ._fit import (
        elbo_loss as elbo_loss,
        fit_to_data as fit_to_data,
        fit_to_variational_target as fit_to_variational_target,
        make_step as make_step,
    )
    from ._persistence import load as load, save as save
    from ._targets import (
        ring_mixture as ring_mixture,
        ring_mixture_log_prob as ring_mixture_log_prob,
        two_moons as two_moons,
    )
    from ._unconstrained import (
        Unconstrained as Unconstrained,
        constrain as constrain,
        unconstrain as unconstrain,
    )
else:
    __getattr__, __dir__, __all__ = _lazy.attach(__name__)
