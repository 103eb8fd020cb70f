"""eqdist: probability distributions, constraints, transforms and normalizing flows
for JAX, where every object is an immutable Equinox module."""

from . import constraints as constraints, transforms as transforms
from ._distribution import (
    AbstractDistribution as AbstractDistribution,
    AbstractSimpleDistribution as AbstractSimpleDistribution,
)
from ._expanded import ExpandedDistribution as ExpandedDistribution
from ._independent import Independent as Independent
from ._transformed import TransformedDistribution as TransformedDistribution
from ._validation import enable_validation as enable_validation
from .continuous._beta import Beta as Beta
from .continuous._dirichlet import Dirichlet as Dirichlet
from .continuous._gamma import (
    Chi2 as Chi2,
    Exponential as Exponential,
    Gamma as Gamma,
    InverseGamma as InverseGamma,
)
from .continuous._normal import Normal as Normal

Distribution = AbstractDistribution

__version__ = "0.1.0"
