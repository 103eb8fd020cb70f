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
from .continuous._cauchy import Cauchy as Cauchy
from .continuous._half import HalfCauchy as HalfCauchy, HalfNormal as HalfNormal
from .continuous._lognormal import LogNormal as LogNormal
from .continuous._normal import Normal as Normal
from .continuous._pareto import Pareto as Pareto
from .continuous._random_walk import GaussianRandomWalk as GaussianRandomWalk
from .continuous._student_t import StudentT as StudentT
from .continuous._truncated import (
    TruncatedCauchy as TruncatedCauchy,
    TruncatedNormal as TruncatedNormal,
)
from .continuous._uniform import Uniform as Uniform

Distribution = AbstractDistribution

__version__ = "0.1.0"
