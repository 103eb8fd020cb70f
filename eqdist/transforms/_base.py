"""The transform protocol shared by every bijection and by the flows."""

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from ..constraints import AbstractConstraint


class AbstractTransform(eqx.Module):
    r"""A map $y = t(x)$ from `domain` to `codomain`, acting on events of `event_dim`
    rightmost axes.

    Subclasses provide `domain`, `codomain`, `event_dim`,
    `call_with_intermediates`, `inv` and `log_abs_det_jacobian`; calling the
    transform (`t(x)`) and the shape maps are shared here.

    Conventions:

    - `event_dim` is `domain.event_dim`: how many rightmost axes of `x` form one input.
      A transform may change the event's shape (`StickBreakingTransform` maps
      `K - 1` reals to a `K`-simplex), so `codomain.event_dim` may differ.
    - `log_abs_det_jacobian(x, y)` has shape `x.shape[:x.ndim - event_dim]`: one number
      per event, $\log|\det \partial y / \partial x|$ (for a shape-changing transform,
      on the free coordinates of the output).
    - `call_with_intermediates(x)` returns `(y, intermediates)`; what it keeps lets
      `log_abs_det_jacobian(x, y, intermediates)` skip recomputation (the inverse
      autoregressive flow keeps its scales). Most transforms keep `None`.
    """

    # No `from __future__ import annotations` in this module: Equinox must see these
    # annotations as objects to treat them as abstract (not as dataclass fields). The
    # jaxtyping annotations below are quoted by hand, so they cost nothing at import.
    domain: eqx.AbstractVar[AbstractConstraint]
    codomain: eqx.AbstractVar[AbstractConstraint]

    @property
    def event_dim(self) -> int:
        """Number of rightmost axes of `x` that form one event."""
        return self.domain.event_dim

    @abc.abstractmethod
    def call_with_intermediates(
        self, x: "Float[ArrayLike, '...']"
    ) -> tuple[Array, Any]:
        """`(t(x), intermediates)`."""

    @abc.abstractmethod
    def inv(self, y: "Float[ArrayLike, '...']") -> Array:
        """The inverse map $x = t^{-1}(y)$."""

    @abc.abstractmethod
    def log_abs_det_jacobian(
        self,
        x: "Float[ArrayLike, '...']",
        y: "Float[ArrayLike, '...']",
        intermediates: Any = None,
    ) -> Array:
        r"""$\log|\det J_t(x)|$, of shape `x.shape[:x.ndim - event_dim]`."""

    def __call__(self, x: "Float[ArrayLike, '...']") -> Array:
        """Apply the transform: $y = t(x)$."""
        return self.call_with_intermediates(x)[0]

    def forward_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of `t(x)` for an `x` of `shape` (traced abstractly, no FLOPs)."""
        return _traced_shape(self.__call__, shape)

    def inverse_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of `t.inv(y)` for a `y` of `shape`."""
        return _traced_shape(self.inv, shape)


def _traced_shape(fn: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    struct = jax.ShapeDtypeStruct(tuple(shape), jnp.result_type(float))
    return tuple(jax.eval_shape(fn, struct).shape)
