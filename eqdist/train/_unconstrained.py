"""Training constrained parameters: store them unconstrained, via `biject_to`."""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, PyTree

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from ..transforms import biject_to


class Unconstrained(eqx.Module):
    """A parameter stored in unconstrained space.

    `unconstrain` puts one in place of each constrained parameter of a
    distribution; `constrain` maps it back through `biject_to` of the parameter's
    constraint (`arg_constraints` of the distribution that owns it).

    **Arguments:**

    - `value`: the unconstrained array.
    """

    value: Array


def _unconstrainable(constraint: constraints.AbstractConstraint) -> bool:
    """Constraints that need a bijection: neither all of R^n nor undecidable."""
    free = (constraints.RealSet, constraints.RealVector, constraints.Dependent)
    return not isinstance(constraint, free)


def _is_distribution(node: Any) -> bool:
    return isinstance(node, AbstractSimpleDistribution)


def _map_parameters(tree: PyTree, fn) -> PyTree:
    """Apply `fn(distribution, name, value, constraint)` to every constrained
    floating parameter of every distribution in `tree`."""

    def visit(node):
        if not _is_distribution(node):
            return node
        fields = {field.name for field in dataclasses.fields(node)}
        for name, constraint in type(node).arg_constraints.items():
            if name not in fields:  # e.g. a matrix exposed as a property
                continue
            value = getattr(node, name)
            is_param = isinstance(value, Unconstrained) or (
                eqx.is_inexact_array(value) and _unconstrainable(constraint)
            )
            if is_param:
                new = fn(value, constraint)
                node = eqx.tree_at(lambda d, n=name: getattr(d, n), node, new)
        return node

    return jax.tree.map(visit, tree, is_leaf=_is_distribution)


def unconstrain(tree: PyTree) -> PyTree:
    """Replace every constrained parameter in `tree` by an `Unconstrained` leaf.

    A parameter `p` with constraint `c` becomes `Unconstrained(biject_to(c).inv(p))`,
    so gradient steps on the result can never leave the constraint: `Normal.scale`
    is stored as its log, `Dirichlet.concentration` likewise, a covariance's
    `scale_tril` as a free vector. Integer parameters and parameters of unbounded
    constraints are left as they are. Transforms (flows) need nothing: their
    parameters are unconstrained already.

    !!! warning
        The result is a storage format, not a distribution: pass it through
        `constrain` before use.
    """

    def to_free(value, constraint):
        if isinstance(value, Unconstrained):
            return value
        return Unconstrained(biject_to(constraint).inv(value))

    return _map_parameters(tree, to_free)


def constrain(tree: PyTree) -> PyTree:
    """The inverse of `unconstrain`: map every `Unconstrained` leaf back into its
    parameter's constraint."""

    def to_constrained(value, constraint):
        if not isinstance(value, Unconstrained):
            return value
        return jnp.asarray(biject_to(constraint)(value.value))

    return _map_parameters(tree, to_constrained)
