"""Normalizing flows: the MADE network, inverse autoregressive layers, builders."""

from ._iaf import InverseAutoregressiveTransform as InverseAutoregressiveTransform
from ._made import AutoregressiveNN as AutoregressiveNN
