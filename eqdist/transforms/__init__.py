"""Transforms (bijections) and `biject_to`.

Every transform is an Equinox module; see `AbstractTransform` for the protocol.
"""

from typing import TYPE_CHECKING

from .. import _lazy

# The exports, loaded on first access (see eqdist/_lazy.py); this block is their list.
if TYPE_CHECKING:
    from ._affine import AffineTransform as AffineTransform
    from ._base import AbstractTransform as AbstractTransform
    from ._biject_to import biject_to as biject_to
    from ._cholesky import (
        CorrCholeskyTransform as CorrCholeskyTransform,
        LowerCholeskyTransform as LowerCholeskyTransform,
        PositiveDefiniteTransform as PositiveDefiniteTransform,
    )
    from ._compose import ComposeTransform as ComposeTransform
    from ._elementwise import (
        AbsTransform as AbsTransform,
        ExpTransform as ExpTransform,
        PowerTransform as PowerTransform,
        SigmoidTransform as SigmoidTransform,
    )
    from ._identity import (
        IdentityTransform as IdentityTransform,
        IndependentTransform as IndependentTransform,
    )
    from ._inverse import InverseTransform as InverseTransform
    from ._permute import PermuteTransform as PermuteTransform
    from ._stick_breaking import StickBreakingTransform as StickBreakingTransform

    Transform = AbstractTransform
else:
    __getattr__, __dir__, __all__ = _lazy.attach(__name__)
