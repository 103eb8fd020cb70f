"""Normalizing flows: the MADE network, inverse autoregressive layers, builders."""

from typing import TYPE_CHECKING

from .. import _lazy

# The exports, loaded on first access (see eqdist/_lazy.py); this block is their list.
if TYPE_CHECKING:
    from ._builders import (
        inverse_autoregressive_flow as inverse_autoregressive_flow,
        masked_autoregressive_flow as masked_autoregressive_flow,
    )
    from ._iaf import InverseAutoregressiveTransform as InverseAutoregressiveTransform
    from ._made import AutoregressiveNN as AutoregressiveNN
    from ._stacked import StackedTransform as StackedTransform
else:
    __getattr__, __dir__, __all__ = _lazy.attach(__name__)
