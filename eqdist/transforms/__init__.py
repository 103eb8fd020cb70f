"""Transforms (bijections) and `biject_to`.

Every transform is an Equinox module; see `AbstractTransform` for the protocol.
"""

from ._base import AbstractTransform as AbstractTransform
from ._compose import ComposeTransform as ComposeTransform
from ._inverse import InverseTransform as InverseTransform
