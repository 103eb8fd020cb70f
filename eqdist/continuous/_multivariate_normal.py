"""The multivariate normal distribution, stored through its Cholesky factor."""

from __future__ import annotations

import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray, Real

from .. import constraints
from .._distribution import AbstractSimpleDistribution
from .._shapes import as_array, float_dtype
from .._validation import check, resolve_validate_args

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
# kappa_inf(L) above which the explicit inverse is refined. kappa_inf is ~3-8x
# kappa_2; below 100, kappa_2 < ~30, where the plain product was measured as
# accurate as the solve in float32 (within 1.4x of its error).
_REFINE_ABOVE_KAPPA = 100.0
_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


class MultivariateNormal(AbstractSimpleDistribution):
    r"""The multivariate normal distribution $\mathcal N(\mu, \Sigma)$ in $d$
    dimensions, with $\Sigma = L L^\top$ for a lower-triangular $L$ of positive
    diagonal.

    $$\log p(x) = -\tfrac12\lVert L^{-1}(x-\mu)\rVert^2 - \sum_i \log L_{ii}
    - \tfrac d2\log 2\pi$$

    Only `loc` and `scale_tril` are stored (as leaves); `covariance_matrix` and
    `precision_matrix` are derived from $L$. `log_prob` applies $L^{-1}$ through a
    triangular solve, or, with many points per matrix, through $L^{-1}$ formed once
    by a triangular solve against the identity (a matrix product is far faster than
    a many-column solve on CPU, and as accurate). A precision matrix $P$ is turned into $L$ without
    inverting it: with $J$ the reversal permutation, the Cholesky factor $K$ of
    $J P J$ gives $P = U U^\top$ for the upper-triangular $U = J K J$, so
    $\Sigma = U^{-\top} U^{-1}$ and $L = U^{-\top}$ (one triangular solve).

    Closed forms: `mean`, `variance`, `entropy()`, and the properties
    `covariance_matrix`, `precision_matrix`, `scale_tril`. Reparameterized in every
    parameter ($x = \mu + L\varepsilon$).

    **Arguments** (pass exactly one of the three matrices):

    - `loc`: the mean $\mu$, shape `(*batch, d)`, or a scalar broadcast to `(d,)`.
    - `covariance_matrix`: $\Sigma$, symmetric positive definite, shape
      `(*batch, d, d)`.
    - `precision_matrix`: $\Sigma^{-1}$, symmetric positive definite, shape
      `(*batch, d, d)`.
    - `scale_tril`: $L$, lower triangular with a positive diagonal, shape
      `(*batch, d, d)`; only its lower triangle is ever read.
    - `validate_args`: check the parameters (and values in `log_prob`).

    The batch shape is the broadcast of the batch axes of `loc` and of the matrix.
    """

    loc: Float[Array, "*batch d"]
    scale_tril: Float[Array, "*batch d d"]
    validate_args: bool = eqx.field(static=True)

    arg_constraints: ClassVar = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    reparametrized_params: ClassVar = (
        "loc",
        "covariance_matrix",
        "precision_matrix",
        "scale_tril",
    )

    def __init__(
        self,
        loc: Real[ArrayLike, "*#batch #d"] | Real[ArrayLike, ""] = 0.0,
        covariance_matrix: Real[ArrayLike, "*#batch d d"] | None = None,
        precision_matrix: Real[ArrayLike, "*#batch d d"] | None = None,
        scale_tril: Real[ArrayLike, "*#batch d d"] | None = None,
        validate_args: bool | None = None,
    ):
        given = {
            name: value
            for name, value in zip(
                _MATRICES, (covariance_matrix, precision_matrix, scale_tril)
            )
            if value is not None
        }
        if len(given) != 1:
            got = " and ".join(given) if given else "none of them"
            raise ValueError(
                "MultivariateNormal: pass exactly one of covariance_matrix, "
                f"precision_matrix, scale_tril; got {got}."
            )
        ((name, matrix),) = given.items()
        dtype = float_dtype(loc, matrix)
        matrix = as_array(matrix, dtype)
        if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
            raise ValueError(
                f"MultivariateNormal: `{name}` must be a square matrix of shape "
                f"(*batch, d, d), got shape {matrix.shape}."
            )
        d = matrix.shape[-1]
        loc = as_array(loc, dtype)
        if loc.ndim == 0:
            loc = jnp.broadcast_to(loc, (d,))
        elif loc.shape[-1] not in (1, d):
            raise ValueError(
                f"MultivariateNormal: `loc` of shape {loc.shape} must end in the "
                f"dimension d = {d} of `{name}` (shape {matrix.shape})."
            )
        elif loc.shape[-1] != d:
            loc = jnp.broadcast_to(loc, loc.shape[:-1] + (d,))

        if name == "scale_tril":
            tril = matrix
        else:
            # The constructor validates only what it stores (`loc`, `scale_tril`),
            # so a given covariance or precision matrix is checked here, before the
            # Cholesky factorisation would turn a bad one into NaNs.
            if resolve_validate_args(validate_args):
                matrix = check(
                    matrix,
                    constraints.positive_definite(matrix),
                    f"MultivariateNormal: parameter `{name}` must satisfy "
                    "PositiveDefinite (symmetric with positive eigenvalues).",
                )
            if name == "covariance_matrix":
                tril = jnp.linalg.cholesky(matrix)
            else:
                tril = _precision_to_scale_tril(matrix)
        self._init_params(
            {"loc": (loc, 1), "scale_tril": (tril, 2)}, validate_args, dtype
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.loc.shape[:-1]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return self.loc.shape[-1:]

    @property
    def support(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    def _sample(self, key: PRNGKeyArray, sample_shape: tuple[int, ...]) -> Array:
        eps = jax.random.normal(key, self.shape(sample_shape), dtype=self.loc.dtype)
        tril = jnp.tril(self.scale_tril)
        return self.loc + jnp.einsum("...ij,...j->...i", tril, eps)

    def _log_prob(self, value: Array) -> Array:
        d = self.event_shape[0]
        maha = _mahalanobis_squared(self.scale_tril, value, self.loc)
        half_log_det = jnp.sum(
            jnp.log(jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1)), axis=-1
        )
        return -0.5 * maha - half_log_det - d * _HALF_LOG_TWO_PI

    @property
    def covariance_matrix(self) -> Float[Array, "*batch d d"]:
        r"""$\Sigma = L L^\top$."""
        tril = jnp.tril(self.scale_tril)
        return tril @ jnp.swapaxes(tril, -2, -1)

    @property
    def precision_matrix(self) -> Float[Array, "*batch d d"]:
        r"""$\Sigma^{-1} = L^{-\top} L^{-1}$, from a triangular solve with $L$
        (exactly symmetric)."""
        identity = jnp.broadcast_to(
            jnp.eye(self.event_shape[0], dtype=self.scale_tril.dtype),
            self.scale_tril.shape,
        )
        tril_inv = _solve_lower(self.scale_tril, identity)
        return jnp.swapaxes(tril_inv, -2, -1) @ tril_inv

    @property
    def mean(self) -> Float[Array, "*batch d"]:
        return self.loc

    @property
    def variance(self) -> Float[Array, "*batch d"]:
        r"""The diagonal of $\Sigma$: $\sum_j L_{ij}^2$."""
        return jnp.sum(jnp.tril(self.scale_tril) ** 2, axis=-1)

    def entropy(self) -> Float[Array, "*batch"]:
        r"""$\tfrac d2 (1 + \log 2\pi) + \sum_i \log L_{ii}$."""
        d = self.event_shape[0]
        half_log_det = jnp.sum(
            jnp.log(jnp.diagonal(self.scale_tril, axis1=-2, axis2=-1)), axis=-1
        )
        return d * (0.5 + _HALF_LOG_TWO_PI) + half_log_det


def _precision_to_scale_tril(precision: Array) -> Array:
    """The lower Cholesky factor of `precision`'s inverse, with no explicit inverse.

    Reversing rows and columns turns a lower Cholesky factor into an upper one:
    `cholesky(J P J) = K` gives `P = U U^T` with `U = J K J` upper triangular, so the
    covariance is `U^{-T} U^{-1}` and its lower Cholesky factor is `U^{-T}`.
    """
    flipped = jnp.flip(precision, axis=(-2, -1))
    upper_t = jnp.swapaxes(
        jnp.flip(jnp.linalg.cholesky(flipped), axis=(-2, -1)), -2, -1
    )
    # `upper_t = U^T` is lower triangular; `L = (U^T)^{-1}`.
    identity = jnp.broadcast_to(
        jnp.eye(precision.shape[-1], dtype=precision.dtype), precision.shape
    )
    return _solve_lower(upper_t, identity)


def _mahalanobis_squared(
    tril: Array, value: Array, loc: Array, explicit_inverse: bool | None = None
) -> Array:
    r"""$\lVert L^{-1} (x - \mu)\rVert^2$ over broadcast batch axes.

    `tril` has shape `batch + (d, d)`, `value` and `loc` shapes that broadcast to
    `sample + batch' + (d,)` with `batch'` broadcasting against `batch`; `tril` is
    never copied across the sample axes.

    With many points per matrix, $L^{-1}$ is formed once per batch element (a
    triangular solve against the identity) and applied to every point as a matrix
    product: a GEMM is much faster than a triangular solve with many right-hand
    sides on CPU (~6x at d = 50 and 1e5 points; ~3x where L is ill-conditioned and
    the product is refined once by its residual, which brings its accuracy back to
    the solve's). With fewer points than dimensions, one solve with the points as
    columns is cheaper. `explicit_inverse` forces either way (for tests).
    """
    d = tril.shape[-1]
    n_batch = tril.ndim - 2
    full = jnp.broadcast_shapes(value.shape[:-1], loc.shape[:-1], tril.shape[:-2])
    n_sample = len(full) - n_batch
    sample, batch = full[:n_sample], full[n_sample:]
    n_points = math.prod(sample)
    tril = jnp.broadcast_to(tril, batch + (d, d))
    if explicit_inverse is None:
        explicit_inverse = n_points >= d

    def difference() -> Array:
        return jnp.broadcast_to(value - loc, full + (d,))

    if explicit_inverse:
        identity = jnp.broadcast_to(jnp.eye(d, dtype=tril.dtype), tril.shape)

        def centred() -> Array:
            # (points, batch, d): the sample axes lead, so merging them is free.
            # Formed inside each branch below, so that XLA fuses the subtraction
            # into the branch's product instead of materialising it as an operand
            # of the conditional (an (n, d) buffer per call).
            return difference().reshape((n_points,) + batch + (d,))

        def explicit(refine: bool) -> Array:
            tril_inv = _solve_lower(tril, identity)
            points = centred()
            solved = _apply(tril_inv, points)
            if refine:
                solved = solved + _apply(
                    tril_inv, points - _apply(jnp.tril(tril), solved)
                )
            return _sum_of_squares(solved)

        # The plain product is as accurate as the solve for a well-conditioned L,
        # but up to ~4x less for kappa(L) = 1e3 (float32). One step of iterative
        # refinement by the residual (Skeel 1980) makes it as accurate again, at two
        # more products, so it runs only where the cheap bound
        # kappa_inf = |L|_inf |L^{-1}|_inf says L is not well conditioned. Beyond
        # kappa ~ 1/eps (or an inverse that overflows) refinement cannot recover
        # the digits, so such matrices take the triangular solve. The branch is
        # chosen from an undifferentiated inverse, and each branch forms its own,
        # so an overflowed inverse never reaches a derivative (0 * inf = NaN).
        fixed = jax.lax.stop_gradient(tril)
        kappa = _inf_norm(fixed) * _inf_norm(_solve_lower(fixed, identity))
        too_ill = 1e-2 / jnp.finfo(tril.dtype).eps
        branch = jnp.where(
            jnp.all(kappa <= _REFINE_ABOVE_KAPPA),
            0,
            jnp.where(jnp.all(jnp.isfinite(kappa) & (kappa <= too_ill)), 1, 2),
        )
        squared = jax.lax.switch(
            branch,
            [
                lambda: explicit(refine=False),
                lambda: explicit(refine=True),
                lambda: _sum_of_squares(_solve_points(tril, centred())),
            ],
        )
        return squared.reshape(full)
    # (sample, batch, d) -> (batch, d, sample): one solve with many columns.
    columns = jnp.moveaxis(
        difference(), tuple(range(n_sample)), tuple(range(-n_sample, 0))
    )
    columns = columns.reshape(batch + (d, n_points))
    solved = _solve_lower(tril, columns)
    squared = jnp.sum(solved * solved, axis=-2).reshape(batch + sample)
    return jnp.moveaxis(
        squared, tuple(range(n_batch, n_batch + n_sample)), tuple(range(n_sample))
    )


def _sum_of_squares(solved: Array) -> Array:
    """Squared norms over the last axis."""
    return jnp.sum(solved * solved, axis=-1)


def _apply(matrix: Array, points: Array) -> Array:
    """`matrix @ point` for `matrix` of shape `batch + (d, d)` and `points` of shape
    `(n,) + batch + (d,)`: one batched GEMM."""
    return jnp.einsum("...ij,n...j->n...i", matrix, points)


def _solve_points(tril: Array, points: Array) -> Array:
    """`tril^{-1} @ point` by a triangular solve, same shapes as `_apply`."""
    columns = jnp.moveaxis(points, 0, -1)  # batch + (d, n)
    return jnp.moveaxis(_solve_lower(tril, columns), -1, 0)


def _solve_lower(tril: Array, rhs: Array) -> Array:
    """`tril^{-1} @ rhs` for a lower triangular `tril` of shape `batch + (d, d)` and
    `rhs` of shape `batch + (d, k)`: the primitive that
    `jax.scipy.linalg.solve_triangular` wraps, called directly: importing
    `jax.scipy.linalg` (for nothing else) costs ~3 ms."""
    dtype = jnp.result_type(tril, rhs)
    return jax.lax.linalg.triangular_solve(
        tril.astype(dtype), rhs.astype(dtype), left_side=True, lower=True
    )


def _inf_norm(matrix: Array) -> Array:
    """The infinity norm (largest absolute row sum) of each matrix."""
    return jnp.max(jnp.sum(jnp.abs(jnp.tril(matrix)), axis=-1), axis=-1)
