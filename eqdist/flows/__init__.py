"""Normalizing flows: the MADE network, inverse autoregressive layers, builders."""

from ._builders import (
    inverse_autoregressive_flow as inverse_autoregressive_flow,
    masked_autoregressive_flow as masked_autoregressive_flow,
)
from ._iaf import InverseAutoregressiveTransform as InverseAutoregressiveTransform
from ._made import AutoregressiveNN as AutoregressiveNN
from ._stacked import StackedTransform as StackedTransform
