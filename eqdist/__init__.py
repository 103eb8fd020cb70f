"""eqdist: probability distributions, constraints, transforms and normalizing flows
for JAX, where every object is an immutable Equinox module."""

from typing import TYPE_CHECKING

from . import _lazy

__version__ = "0.1.0"

# The public names, loaded on first access (eqdist/_lazy.py): `import eqdist` stays
# cheap and `eqdist.Normal` imports only what Normal needs. This block is the one
# list of exports: add a name here as `from .x._y import Name as Name`.
if TYPE_CHECKING:
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
    from .continuous._cauchy import Cauchy as Cauchy
    from .continuous._dirichlet import Dirichlet as Dirichlet
    from .continuous._gamma import (
        Chi2 as Chi2,
        Exponential as Exponential,
        Gamma as Gamma,
        InverseGamma as InverseGamma,
    )
    from .continuous._half import HalfCauchy as HalfCauchy, HalfNormal as HalfNormal
    from .continuous._lkj import LKJCholesky as LKJCholesky
    from .continuous._lognormal import LogNormal as LogNormal
    from .continuous._multivariate_normal import (
        MultivariateNormal as MultivariateNormal,
    )
    from .continuous._normal import Normal as Normal
    from .continuous._pareto import Pareto as Pareto
    from .continuous._random_walk import GaussianRandomWalk as GaussianRandomWalk
    from .continuous._student_t import StudentT as StudentT
    from .continuous._truncated import (
        TruncatedCauchy as TruncatedCauchy,
        TruncatedNormal as TruncatedNormal,
    )
    from .continuous._uniform import Uniform as Uniform
    from .discrete._bernoulli import (
        Bernoulli as Bernoulli,
        BernoulliLogits as BernoulliLogits,
        BernoulliProbs as BernoulliProbs,
    )
    from .discrete._binomial import (
        Binomial as Binomial,
        BinomialLogits as BinomialLogits,
        BinomialProbs as BinomialProbs,
    )
    from .discrete._categorical import (
        Categorical as Categorical,
        CategoricalLogits as CategoricalLogits,
        CategoricalProbs as CategoricalProbs,
    )
    from .discrete._delta import Delta as Delta
    from .discrete._multinomial import (
        Multinomial as Multinomial,
        MultinomialLogits as MultinomialLogits,
        MultinomialProbs as MultinomialProbs,
    )
    from .discrete._poisson import Poisson as Poisson
    from .discrete._prng_identity import PRNGIdentity as PRNGIdentity
    from .transforms import biject_to as biject_to

    Distribution = AbstractDistribution
else:
    __getattr__, __dir__, __all__ = _lazy.attach(__name__)
