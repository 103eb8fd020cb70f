"""Transforms onto matrices: `LowerCholeskyTransform`, `CorrCholeskyTransform`,
`PositiveDefiniteTransform`."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .. import constraints
from ._base import AbstractTransform


def _matrix_size(owner: str, length: int, diagonal: bool) -> int:
    """`n` such that a vector of `length` fills the lower triangle of an `n x n`
    matrix, with (`n(n+1)/2`) or without (`n(n-1)/2`) its diagonal."""
    n = (math.isqrt(8 * length + 1) - 1) // 2
    if n * (n + 1) // 2 != length:
        what = "n(n+1)/2" if diagonal else "n(n-1)/2"
        raise ValueError(
            f"{owner}: the last axis of `x` must have length {what} for some n, "
            f"got {length}."
        )
    return n if diagonal else n + 1


def _check_square(owner: str, y: Array) -> int:
    if y.ndim < 2 or y.shape[-1] != y.shape[-2]:
        raise ValueError(
            f"{owner}: `y` must end in a square matrix, got shape {y.shape}."
        )
    return y.shape[-1]


def _vec_to_tril(v: Array, n: int, k: int) -> Array:
    """Fill the lower triangle (`k = 0`) or strictly lower triangle (`k = -1`) of
    `n x n` matrices row by row from the last axis of `v`; zeros elsewhere."""
    rows, cols = np.tril_indices(n, k)
    out = jnp.zeros(v.shape[:-1] + (n, n), dtype=v.dtype)
    return out.at[..., rows, cols].set(v)


def _tril_to_vec(m: Array, k: int) -> Array:
    rows, cols = np.tril_indices(m.shape[-1], k)
    return m[..., rows, cols]


class LowerCholeskyTransform(AbstractTransform):
    r"""From vectors of length $n(n+1)/2$ onto lower-triangular $n \times n$
    matrices with a positive diagonal.

    The first $n(n-1)/2$ entries fill the strictly lower triangle row by row; the
    last $n$ are the logs of the diagonal (NumPyro's layout). The Jacobian onto the
    lower-triangular entries is diagonal: $\log|\det J| = \sum_i \log L_{ii}$, the sum
    of the last $n$ entries of $x$.

    Where $e^{x}$ leaves the dtype's range (float32 entries beyond about $\pm 87$) the
    diagonal is clamped into `[tiny, max]` of the dtype, so the output stays a finite
    Cholesky factor (positive diagonal) and `inv` of it is finite (about $\pm 87$
    rather than the original entry).
    """

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.lower_cholesky

    def call_with_intermediates(
        self, x: Float[ArrayLike, "... m"]
    ) -> tuple[Array, Any]:
        x = jnp.asarray(x)
        n = _matrix_size("LowerCholeskyTransform", x.shape[-1], diagonal=True)
        split = x.shape[-1] - n
        strict = _vec_to_tril(x[..., :split], n, -1)
        finfo = jnp.finfo(x.dtype)
        # Keep the diagonal positive and finite where exp under- or overflows.
        diagonal = jnp.clip(jnp.exp(x[..., split:]), finfo.tiny, finfo.max)
        eye = jnp.eye(n, dtype=bool)
        return jnp.where(eye, diagonal[..., None], strict), None

    def inv(self, y: Float[ArrayLike, "... n n"]) -> Array:
        y = jnp.asarray(y)
        _check_square("LowerCholeskyTransform", y)
        diagonal = jnp.diagonal(y, axis1=-2, axis2=-1)
        return jnp.concatenate([_tril_to_vec(y, -1), jnp.log(diagonal)], axis=-1)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "... m"],
        y: Float[ArrayLike, "... n n"],
        intermediates: Any = None,
    ) -> Array:
        x = jnp.asarray(x)
        n = _matrix_size("LowerCholeskyTransform", x.shape[-1], diagonal=True)
        return jnp.sum(x[..., x.shape[-1] - n :], axis=-1)


def _log_sech(x: Array) -> Array:
    r"""$\log \operatorname{sech} x = \tfrac12 \log(1 - \tanh^2 x)$, exact for large
    $|x|$ where $\tanh x$ rounds to $\pm 1$."""
    a = jnp.abs(x)
    return math.log(2.0) - a - jax.nn.softplus(-2 * a)


class CorrCholeskyTransform(AbstractTransform):
    r"""From vectors of length $n(n-1)/2$ onto Cholesky factors of $n \times n$
    correlation matrices (lower triangular, positive diagonal, unit-norm rows).

    The entries of $x$ fill the strictly lower triangle row by row (NumPyro's
    layout). Each row then goes through a signed stick breaking: with
    $t_{ij} = \tanh x_{ij}$, entry $j < i$ takes the signed fraction $t_{ij}$ of the
    remaining length, $y_{ij} = t_{ij} \prod_{k<j} \sqrt{1 - t_{ik}^2}$, and the
    diagonal the rest, $y_{ii} = \prod_{k<i} \sqrt{1 - t_{ik}^2}$, so that
    $\sum_j y_{ij}^2 = 1$. See Lewandowski, Kurowicka and Joe (2009), "Generating
    random correlation matrices based on vines and extended onion method", and the
    Stan Reference Manual, "Cholesky factors of correlation matrices".

    The products are formed in log space from $\log\sqrt{1 - \tanh^2 x} =
    \log\operatorname{sech} x$, which stays exact where $\tanh x$ rounds to $\pm1$.
    On the strictly lower entries of $y$ the Jacobian is triangular:

    $$\log|\det J| = \sum_{j<i} \Big[\log(1 - t_{ij}^2)
    + \tfrac12 \sum_{k<j} \log(1 - t_{ik}^2)\Big].$$
    """

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.corr_cholesky

    def _pieces(self, x: Array) -> tuple[Array, Array, Array]:
        """`tanh(x)`, `log sech(x)` as strictly lower matrices, and the log of the
        remaining row length before each column."""
        n = _matrix_size("CorrCholeskyTransform", x.shape[-1], diagonal=False)
        t = _vec_to_tril(jnp.tanh(x), n, -1)
        log_sech = _vec_to_tril(_log_sech(x), n, -1)
        # Exclusive cumulative sum along each row.
        zero = jnp.zeros_like(log_sech[..., :1])
        log_left = jnp.concatenate(
            [zero, jnp.cumsum(log_sech[..., :-1], axis=-1)], axis=-1
        )
        return t, log_sech, log_left

    def call_with_intermediates(
        self, x: Float[ArrayLike, "... m"]
    ) -> tuple[Array, Any]:
        x = jnp.asarray(x)
        t, _, log_left = self._pieces(x)
        n = t.shape[-1]
        eye = jnp.eye(n, dtype=x.dtype)
        y = (t + eye) * jnp.exp(log_left)
        # The diagonal is positive in exact arithmetic; keep it so where the product
        # of many small factors underflows to 0.
        tiny = jnp.finfo(x.dtype).tiny
        return jnp.where(eye > 0, jnp.maximum(y, tiny), y), None

    def inv(self, y: Float[ArrayLike, "... n n"]) -> Array:
        y = jnp.tril(jnp.asarray(y))
        _check_square("CorrCholeskyTransform", y)
        # Remaining squared length before column j: sum_{k >= j} y_ik^2 (a reverse
        # cumulative sum, free of the cancellation in 1 - sum_{k < j} y_ik^2).
        left = jnp.flip(jnp.cumsum(jnp.flip(y * y, -1), axis=-1), -1)
        positive = left > 0
        safe_left = jnp.where(positive, left, 1)
        t = jnp.where(positive, y / jnp.sqrt(safe_left), 0)
        eps = jnp.finfo(t.dtype).eps
        t = jnp.clip(_tril_to_vec(t, -1), -1 + eps, 1 - eps)
        return jnp.arctanh(t)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "... m"],
        y: Float[ArrayLike, "... n n"],
        intermediates: Any = None,
    ) -> Array:
        x = jnp.asarray(x)
        _, log_sech, log_left = self._pieces(x)
        strict = jnp.tril(jnp.ones(log_sech.shape[-2:], dtype=bool), -1)
        terms = 2 * log_sech + jnp.where(strict, log_left, 0)
        return jnp.sum(terms, axis=(-2, -1))


def _cholesky_with_rounding_jitter(y: Array) -> Array:
    """The Cholesky factor of the symmetric `y`; where that fails (numerically
    singular or slightly indefinite `y`), the factor of `y` with each diagonal entry
    raised by `4 n eps` of itself plus `tiny`.

    The computed product `fl(L L^T)` differs from `L L^T` by at most about
    `n eps sqrt(y_ii y_jj)` per entry (Higham, "Accuracy and Stability of Numerical
    Algorithms", 2nd ed., section 10.1): in the diagonally scaled matrix, about
    `n eps` per entry. A relative jitter of `4 n eps` on the diagonal covers it in
    every case tried (n up to 10, entries of x up to +-100, both dtypes); a `y`
    indefinite by more stays NaN."""
    n = y.shape[-1]
    finfo = jnp.finfo(y.dtype)
    exact = jnp.linalg.cholesky(jax.lax.stop_gradient(y))
    failed = ~jnp.all(jnp.isfinite(exact), axis=(-2, -1))
    diagonal = jnp.diagonal(y, axis1=-2, axis2=-1)
    jitter = jnp.where(
        failed[..., None], 4 * n * finfo.eps * jnp.abs(diagonal) + finfo.tiny, 0
    )
    jitter = jax.lax.stop_gradient(jitter)
    return jnp.linalg.cholesky(y + jitter[..., None] * jnp.eye(n, dtype=y.dtype))


class PositiveDefiniteTransform(AbstractTransform):
    r"""From vectors of length $n(n+1)/2$ onto symmetric positive-definite matrices:
    $y = L L^\top$ with $L$ = `LowerCholeskyTransform()(x)`.

    On the lower-triangular entries of $y$, with the Jacobian of $L \mapsto LL^\top$
    being $2^n \prod_i L_{ii}^{\,n-i+1}$ (1-based $i$):

    $$\log|\det J| = n \log 2 + \sum_{i=1}^n (n - i + 2) \log L_{ii},$$

    where $\log L_{ii}$ is read off $x$ directly (no log of an exponential).

    `inv` factorises $y$ (Cholesky). Where $y$ came from large inputs (entries of
    $x$ of about 10 and beyond), $L L^\top$ rounded to the dtype can be numerically singular or slightly indefinite, and the factorisation
    fails; `inv` then factorises $y$ with its diagonal raised by the rounding error of
    the product (a relative $4 n \epsilon$, plus `tiny`), so the result is finite
    (close to $x$ wherever the rounding left enough digits). A matrix that is not
    positive definite by more than that (outside the codomain) inverts to NaN, which
    is how `TransformedDistribution` tells it is outside the support.
    """

    @property
    def domain(self) -> constraints.AbstractConstraint:
        return constraints.real_vector

    @property
    def codomain(self) -> constraints.AbstractConstraint:
        return constraints.positive_definite

    def call_with_intermediates(
        self, x: Float[ArrayLike, "... m"]
    ) -> tuple[Array, Any]:
        factor = LowerCholeskyTransform()(x)
        y = factor @ jnp.swapaxes(factor, -2, -1)
        # Exactly symmetric, whatever the matmul's summation order.
        return (y + jnp.swapaxes(y, -2, -1)) / 2, None

    def inv(self, y: Float[ArrayLike, "... n n"]) -> Array:
        y = jnp.asarray(y)
        _check_square("PositiveDefiniteTransform", y)
        factor = _cholesky_with_rounding_jitter((y + jnp.swapaxes(y, -2, -1)) / 2)
        return LowerCholeskyTransform().inv(factor)

    def log_abs_det_jacobian(
        self,
        x: Float[ArrayLike, "... m"],
        y: Float[ArrayLike, "... n n"],
        intermediates: Any = None,
    ) -> Array:
        x = jnp.asarray(x)
        n = _matrix_size("PositiveDefiniteTransform", x.shape[-1], diagonal=True)
        log_diagonal = x[..., x.shape[-1] - n :]
        weights = jnp.arange(n + 1, 1, -1, dtype=x.dtype)
        return n * math.log(2.0) + jnp.sum(weights * log_diagonal, axis=-1)
