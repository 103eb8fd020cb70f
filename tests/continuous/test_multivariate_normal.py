"""MultivariateNormal against scipy.stats.multivariate_normal."""

import contextlib

import jax
import jax.numpy as jnp
import jaxtyping
import numpy as np
import pytest
from scipy import stats

import eqdist
from tests.helpers import finite_difference_grad

D = 3


def _random_covariance(rng, d=D, batch=()):
    a = rng.normal(size=batch + (d, d))
    return a @ np.swapaxes(a, -1, -2) + d * np.eye(d)


PARAMS = ("covariance_matrix", "precision_matrix", "scale_tril")

# Built under one `jit` each: many small eager ops would each compile separately.
_BUILD = {
    param: jax.jit(
        lambda loc, matrix, param=param: eqdist.MultivariateNormal(
            loc, **{param: matrix}
        )
    )
    for param in PARAMS
}


def _make(loc, cov, param, dtype=jnp.float64):
    """A MultivariateNormal with the same law given through `param`."""
    if param == "covariance_matrix":
        matrix = cov
    elif param == "precision_matrix":
        matrix = np.linalg.inv(cov)
    else:
        matrix = np.linalg.cholesky(cov)
    return _BUILD[param](
        jnp.asarray(loc, dtype=dtype), jnp.asarray(matrix, dtype=dtype)
    )


_log_prob = jax.jit(lambda dist, x: dist.log_prob(x))


@jax.jit
def _summary(dist, x):
    return {
        "log_prob": dist.log_prob(x),
        "entropy": dist.entropy(),
        "mean": dist.mean,
        "variance": dist.variance,
        "covariance_matrix": dist.covariance_matrix,
        "precision_matrix": dist.precision_matrix,
        "scale_tril": dist.scale_tril,
    }


@contextlib.contextmanager
def _no_jaxtyping():
    """Switch the annotation checks off, to reach the constructor's own errors."""
    jaxtyping.config.update("jaxtyping_disable", True)
    try:
        yield
    finally:
        jaxtyping.config.update("jaxtyping_disable", False)


@pytest.mark.parametrize("param", PARAMS)
def test_against_scipy(param):
    rng = np.random.default_rng(0)
    loc = rng.normal(size=D)
    cov = _random_covariance(rng)
    dist = _make(loc, cov, param)
    ref = stats.multivariate_normal(loc, cov)
    x = rng.normal(size=(5, D)) * 2
    assert dist.batch_shape == () and dist.event_shape == (D,)
    out = _summary(dist, x)
    np.testing.assert_allclose(out["log_prob"], ref.logpdf(x), rtol=1e-10)
    np.testing.assert_allclose(out["entropy"], ref.entropy(), rtol=1e-10)
    np.testing.assert_allclose(out["mean"], loc, rtol=1e-12)
    np.testing.assert_allclose(out["variance"], np.diag(cov), rtol=1e-10)
    np.testing.assert_allclose(out["covariance_matrix"], cov, rtol=1e-10)
    np.testing.assert_allclose(
        out["precision_matrix"], np.linalg.inv(cov), rtol=1e-10, atol=1e-13
    )
    np.testing.assert_allclose(out["scale_tril"], np.linalg.cholesky(cov), rtol=1e-10)
    # The precision matrix is exactly symmetric (built as L^-T L^-1).
    p = np.asarray(out["precision_matrix"])
    assert np.array_equal(p, p.T)


def test_precision_to_scale_tril_without_inverse(monkeypatch):
    rng = np.random.default_rng(1)
    cov = _random_covariance(rng, d=4)
    precision = jnp.asarray(np.linalg.inv(cov))

    def forbidden(*args, **kwargs):
        raise AssertionError("explicit inverse or dense solve used")

    monkeypatch.setattr(jnp.linalg, "inv", forbidden)
    monkeypatch.setattr(jnp.linalg, "solve", forbidden)
    dist = eqdist.MultivariateNormal(jnp.zeros(4), precision_matrix=precision)
    tril = np.asarray(dist.scale_tril)
    lp = dist.log_prob(jnp.ones(4))
    _ = dist.precision_matrix
    monkeypatch.undo()
    # Exactly lower triangular with a positive diagonal, and the Cholesky factor of
    # the covariance.
    assert np.all(np.triu(tril, 1) == 0) and np.all(np.diag(tril) > 0)
    np.testing.assert_allclose(tril, np.linalg.cholesky(cov), rtol=1e-10)
    np.testing.assert_allclose(
        lp, stats.multivariate_normal(np.zeros(4), cov).logpdf(np.ones(4)), rtol=1e-10
    )
    # Accurate for an ill-conditioned precision too (condition number 1e10):
    # L L^T P = I to about cond * eps.
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    precision = q @ np.diag([1e-6, 1.0, 10.0, 1e4]) @ q.T
    tril = eqdist.MultivariateNormal(
        jnp.zeros(4), precision_matrix=jnp.asarray(precision)
    ).scale_tril
    np.testing.assert_allclose(tril @ tril.T @ precision, np.eye(4), atol=1e-6)


def test_scalar_and_broadcast_loc():
    cov = _random_covariance(np.random.default_rng(2))
    dist = eqdist.MultivariateNormal(0.5, covariance_matrix=jnp.asarray(cov))
    assert dist.loc.shape == (D,)
    np.testing.assert_allclose(dist.loc, np.full(D, 0.5))
    dist = eqdist.MultivariateNormal(jnp.array([0.5]), scale_tril=jnp.eye(D))
    assert dist.loc.shape == (D,) and dist.batch_shape == ()
    dist = eqdist.MultivariateNormal(scale_tril=jnp.eye(D))
    np.testing.assert_array_equal(dist.loc, np.zeros(D))


@pytest.mark.parametrize("param", PARAMS)
def test_batches(param):
    rng = np.random.default_rng(3)
    # Batch (3,) from a batch of locs against one matrix.
    locs = rng.normal(size=(3, D))
    cov = _random_covariance(rng)
    dist = _make(locs, cov, param)
    assert dist.batch_shape == (3,) and dist.scale_tril.shape == (3, D, D)
    x = rng.normal(size=(4, 3, D))
    expected = np.stack(
        [stats.multivariate_normal(locs[i], cov).logpdf(x[:, i]) for i in range(3)], -1
    )
    np.testing.assert_allclose(_log_prob(dist, x), expected, rtol=1e-10)
    # Batch (2, 3): loc (2, 1, D) against matrices (3, D, D).
    locs = rng.normal(size=(2, 1, D))
    covs = _random_covariance(rng, batch=(3,))
    dist = _make(locs, covs, param)
    assert dist.batch_shape == (2, 3) and dist.event_shape == (D,)
    assert dist.loc.shape == (2, 3, D) and dist.scale_tril.shape == (2, 3, D, D)
    assert dist.sample(jax.random.key(0), (5,)).shape == (5, 2, 3, D)
    x = rng.normal(size=(4, 2, 3, D))
    out = _summary(dist, x)
    lp, entropy = np.asarray(out["log_prob"]), np.asarray(out["entropy"])
    assert lp.shape == (4, 2, 3) and entropy.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            ref = stats.multivariate_normal(locs[i, 0], covs[j])
            np.testing.assert_allclose(lp[:, i, j], ref.logpdf(x[:, i, j]), rtol=1e-10)
            np.testing.assert_allclose(entropy[i, j], ref.entropy(), rtol=1e-10)
    # A value with fewer batch axes broadcasts against the batch shape.
    np.testing.assert_allclose(
        _log_prob(dist, x[0, 0]),
        _log_prob(dist, jnp.broadcast_to(x[0, 0], (2, 3, D))),
        rtol=1e-12,
    )
    assert _log_prob(dist, x[0, 0, 0]).shape == (2, 3)


def test_errors():
    eye = jnp.eye(D)
    with pytest.raises(
        ValueError,
        match="exactly one of covariance_matrix, "
        "precision_matrix, scale_tril; got covariance_matrix and "
        "scale_tril",
    ):
        eqdist.MultivariateNormal(covariance_matrix=eye, scale_tril=eye)
    with pytest.raises(ValueError, match="got none of them"):
        eqdist.MultivariateNormal(jnp.zeros(D))
    # Non-square: the annotation check names the argument; without it, the
    # constructor's own check does (validate_args off).
    with pytest.raises(TypeError, match="covariance_matrix"):
        eqdist.MultivariateNormal(covariance_matrix=jnp.ones((2, 3)))
    with _no_jaxtyping():
        with pytest.raises(ValueError, match="`precision_matrix` must be a square"):
            eqdist.MultivariateNormal(precision_matrix=jnp.ones((2, 3)))
        with pytest.raises(ValueError, match="`scale_tril` must be a square"):
            eqdist.MultivariateNormal(scale_tril=jnp.ones(3))
        with pytest.raises(ValueError, match="`loc` of shape"):
            eqdist.MultivariateNormal(jnp.zeros(2), scale_tril=eye)
        with pytest.raises(ValueError, match="do not broadcast"):
            eqdist.MultivariateNormal(
                jnp.zeros((4, D)), scale_tril=jnp.stack([eye] * 3)
            )
    with pytest.raises(TypeError, match="loc"):
        eqdist.MultivariateNormal(jnp.zeros(2), scale_tril=eye)
    with pytest.raises(ValueError, match="does not end in the event shape"):
        eqdist.MultivariateNormal(scale_tril=eye).log_prob(jnp.zeros(2))


def test_validate_args():
    bad_cov = jnp.array([[1.0, 2.0], [2.0, 1.0]])  # symmetric, eigenvalues 3, -1
    with pytest.raises(ValueError, match="`covariance_matrix` must satisfy Positive"):
        eqdist.MultivariateNormal(covariance_matrix=bad_cov, validate_args=True)
    with pytest.raises(ValueError, match="`precision_matrix` must satisfy Positive"):
        eqdist.MultivariateNormal(precision_matrix=bad_cov, validate_args=True)
    with pytest.raises(ValueError, match="`scale_tril` must satisfy LowerCholesky"):
        eqdist.MultivariateNormal(
            scale_tril=jnp.array([[1.0, 0.5], [0.0, 1.0]]), validate_args=True
        )
    with pytest.raises(ValueError, match="`loc` must satisfy RealVector"):
        eqdist.MultivariateNormal(
            jnp.array([0.0, jnp.nan]), scale_tril=jnp.eye(2), validate_args=True
        )
    # Inside jit it still fails loudly.
    build = jax.jit(
        lambda c: eqdist.MultivariateNormal(
            covariance_matrix=c, validate_args=True
        ).log_prob(jnp.zeros(2))
    )
    with pytest.raises(Exception, match="covariance_matrix"):
        jax.block_until_ready(build(bad_cov))
    good = eqdist.MultivariateNormal(
        covariance_matrix=jnp.array([[2.0, 0.5], [0.5, 1.0]]), validate_args=True
    )
    assert np.isfinite(good.log_prob(jnp.zeros(2)))


def test_samples():
    rng = np.random.default_rng(4)
    loc = rng.normal(size=D)
    cov = _random_covariance(rng)
    dist = eqdist.MultivariateNormal(
        jnp.asarray(loc), covariance_matrix=jnp.asarray(cov)
    )
    n = 4000
    x = np.asarray(dist.sample(jax.random.key(0), (n,)))
    assert x.shape == (n, D)
    # Moments within ~4 standard errors.
    sd = np.sqrt(np.diag(cov))
    np.testing.assert_array_less(np.abs(x.mean(0) - loc), 4 * sd / np.sqrt(n))
    empirical = np.cov(x.T)
    se = np.sqrt((cov**2 + np.outer(np.diag(cov), np.diag(cov))) / n)
    np.testing.assert_array_less(np.abs(empirical - cov), 4 * se)
    for i in range(D):
        assert stats.kstest(x[:, i], stats.norm(loc[i], sd[i]).cdf).pvalue > 1e-3
    # A fixed projection is normal too (checks the cross-covariances).
    w = np.array([1.0, -2.0, 0.5])
    assert (
        stats.kstest(x @ w, stats.norm(w @ loc, np.sqrt(w @ cov @ w)).cdf).pvalue > 1e-3
    )
    # sample_and_log_prob agrees with log_prob of the same draw.
    y, lp = dist.sample_and_log_prob(jax.random.key(1), (3,))
    np.testing.assert_allclose(lp, dist.log_prob(y), rtol=1e-12)


def test_reparameterized_sample():
    rng = np.random.default_rng(5)
    tril = jnp.asarray(np.linalg.cholesky(_random_covariance(rng)))
    key = jax.random.key(3)
    eps = jax.random.normal(key, (D,), dtype=jnp.float64)

    def draw(loc, tril):
        return eqdist.MultivariateNormal(loc, scale_tril=tril).sample(key)

    d_loc, d_tril = jax.jacobian(draw, argnums=(0, 1))(jnp.zeros(D), tril)
    np.testing.assert_allclose(d_loc, np.eye(D))
    # x_i = loc_i + sum_j L_ij eps_j over the lower triangle only.
    expected = np.einsum("ik,j->ikj", np.eye(D), eps) * np.tril(np.ones((D, D)))
    np.testing.assert_allclose(d_tril, expected, rtol=1e-12)
    np.testing.assert_allclose(draw(jnp.zeros(D), tril), tril @ eps, rtol=1e-12)


def test_grads():
    rng = np.random.default_rng(6)
    loc = jnp.asarray(rng.normal(size=D))
    cov = _random_covariance(rng)
    tril = jnp.asarray(np.linalg.cholesky(cov))
    x = jnp.asarray(rng.normal(size=(2, D)))

    def f_loc(loc):
        return jnp.sum(eqdist.MultivariateNormal(loc, scale_tril=tril).log_prob(x))

    def f_tril(tril):
        return jnp.sum(eqdist.MultivariateNormal(loc, scale_tril=tril).log_prob(x))

    def f_cov(cov):
        return jnp.sum(
            eqdist.MultivariateNormal(loc, covariance_matrix=cov).log_prob(x)
        )

    def f_prec(prec):
        return jnp.sum(
            eqdist.MultivariateNormal(loc, precision_matrix=prec).log_prob(x)
        )

    np.testing.assert_allclose(
        jax.grad(f_loc)(loc), finite_difference_grad(jax.jit(f_loc), loc), rtol=1e-6
    )
    g = jax.grad(f_tril)(tril)
    np.testing.assert_allclose(
        g, finite_difference_grad(jax.jit(f_tril), tril), rtol=1e-6, atol=1e-8
    )
    assert np.all(np.triu(g, 1) == 0)
    # Through the constructor's factorisations, with symmetric perturbations
    # (the density of a symmetric parameter).
    for f, matrix in ((f_cov, cov), (f_prec, np.linalg.inv(cov))):
        sym = lambda a, f=f: f((a + a.T) / 2)  # noqa: E731
        m = jnp.asarray(matrix)
        np.testing.assert_allclose(
            jax.grad(sym)(m),
            finite_difference_grad(jax.jit(sym), m),
            rtol=1e-5,
            atol=1e-8,
        )
    # Against the closed form d/dmu log p = Sigma^-1 (x - mu).
    expected = np.linalg.solve(cov, np.asarray(x - loc).sum(0))
    np.testing.assert_allclose(jax.grad(f_loc)(loc), expected, rtol=1e-10)


def test_jit_equals_eager():
    rng = np.random.default_rng(7)
    dist = _make(rng.normal(size=(2, D)), _random_covariance(rng), "precision_matrix")
    x = jnp.asarray(rng.normal(size=(4, 2, D)))
    lp = jax.jit(lambda d, x: d.log_prob(x))(dist, x)
    np.testing.assert_allclose(lp, dist.log_prob(x), rtol=1e-12)
    key = jax.random.key(2)
    np.testing.assert_allclose(
        jax.jit(lambda d: d.sample(key, (3,)))(dist), dist.sample(key, (3,)), rtol=1e-12
    )
    built = jax.jit(
        lambda p: eqdist.MultivariateNormal(dist.loc, precision_matrix=p).scale_tril
    )(dist.precision_matrix)
    np.testing.assert_allclose(built, dist.scale_tril, rtol=1e-10)


def test_vmap_over_stacked_distributions():
    rng = np.random.default_rng(8)
    locs = jnp.asarray(rng.normal(size=(4, D)))
    covs = jnp.asarray(_random_covariance(rng, batch=(4,)))
    xs = jnp.asarray(rng.normal(size=(4, D)))
    dists = jax.vmap(lambda m, c: eqdist.MultivariateNormal(m, covariance_matrix=c))(
        locs, covs
    )
    assert dists.batch_shape == (4,)
    lp = jax.vmap(lambda d, x: d.log_prob(x))(dists, xs)
    batched = eqdist.MultivariateNormal(locs, covariance_matrix=covs)
    np.testing.assert_allclose(lp, batched.log_prob(xs), rtol=1e-12)
    ent = jax.vmap(lambda d: d.entropy())(dists)
    np.testing.assert_allclose(ent, batched.entropy(), rtol=1e-12)


@pytest.mark.parametrize("param", PARAMS)
def test_float32(param):
    rng = np.random.default_rng(9)
    loc = rng.normal(size=D)
    cov = _random_covariance(rng)
    x = rng.normal(size=(5, D))
    d64 = _make(loc, cov, param)
    d32 = _make(loc, cov, param, dtype=jnp.float32)
    assert d32.loc.dtype == jnp.float32 and d32.scale_tril.dtype == jnp.float32
    lp32 = d32.log_prob(jnp.asarray(x, dtype=jnp.float32))
    assert lp32.dtype == jnp.float32
    np.testing.assert_allclose(lp32, d64.log_prob(x), rtol=1e-5)
    np.testing.assert_allclose(d32.entropy(), d64.entropy(), rtol=1e-5)
    assert d32.sample(jax.random.key(0), (2,)).dtype == jnp.float32


@pytest.mark.parametrize("cond", [1.0, 1e3])
def test_float32_accuracy_of_the_explicit_inverse(cond):
    # With many points, log_prob applies L^{-1} formed once (a GEMM, refined once by
    # its residual) instead of a many-column triangular solve: in float32 it must be
    # as accurate as the solve against a float64 reference, also for kappa(L) = 1e3.
    from eqdist.continuous._multivariate_normal import _mahalanobis_squared

    d, n = 20, 300
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    cov = (q * np.logspace(0, -2 * np.log10(cond), d)) @ q.T
    tril32 = np.linalg.cholesky(cov).astype(np.float32)
    tril = tril32.astype(np.float64)  # the reference sees the same float32 inputs
    assert np.linalg.cond(tril) == pytest.approx(cond, rel=1e-3)
    loc32 = rng.normal(size=d).astype(np.float32)
    # Points at typical distances (drawn from the law, radially rescaled).
    x32 = loc32 + (rng.normal(size=(n, d)) @ tril.T) * rng.uniform(0.1, 3, (n, 1))
    x32 = x32.astype(np.float32)
    diff32 = x32 - loc32
    maha_ref = np.sum(np.linalg.solve(tril, diff32.astype(np.float64).T) ** 2, 0)

    def error(explicit_inverse):
        maha = _mahalanobis_squared(
            jnp.asarray(tril32), jnp.asarray(x32), jnp.asarray(loc32), explicit_inverse
        )
        assert maha.dtype == jnp.float32
        return np.max(np.abs(np.asarray(maha, np.float64) - maha_ref) / maha_ref)

    solve_error, inverse_error = error(False), error(True)
    eps = np.finfo(np.float32).eps
    assert solve_error <= 10 * cond * eps
    assert inverse_error <= 1.5 * solve_error + 2 * eps

    dist = eqdist.MultivariateNormal(jnp.asarray(loc32), scale_tril=jnp.asarray(tril32))
    lp = dist.log_prob(jnp.asarray(x32))
    assert lp.dtype == jnp.float32
    lp_ref = (
        -0.5 * maha_ref - np.sum(np.log(np.diag(tril))) - 0.5 * d * np.log(2 * np.pi)
    )
    np.testing.assert_allclose(lp, lp_ref, rtol=10 * cond * eps)


def test_explicit_inverse_falls_back_to_the_solve_when_it_overflows():
    # A float32 scale_tril whose inverse overflows (diagonal 1e-31 under entries of
    # 1e30): the many-point path must take the triangular solve, with the same log
    # density as the solve and finite gradients (the overflowed inverse must not
    # reach a derivative as 0 * inf).
    from eqdist.continuous._multivariate_normal import _mahalanobis_squared

    tril = jnp.asarray(
        [[1e-31, 0.0, 0.0], [1e30, 1e29, 0.0], [1e30, 1e30, 1e29]], jnp.float32
    )
    diff = jnp.asarray(np.random.default_rng(1).normal(size=(8, 3)), jnp.float32)
    zero = jnp.zeros(3, jnp.float32)
    np.testing.assert_array_equal(
        _mahalanobis_squared(tril, diff, zero, True),
        _mahalanobis_squared(tril, diff, zero, False),
    )
    dist = eqdist.MultivariateNormal(jnp.zeros(3, jnp.float32), scale_tril=tril)
    x = dist.sample(jax.random.key(0), (8,))
    assert np.all(np.isfinite(dist.log_prob(x)))
    grad = jax.grad(
        lambda t: (
            eqdist.MultivariateNormal(jnp.zeros(3), scale_tril=t).log_prob(x).sum()
        )
    )(tril)
    assert np.all(np.isfinite(grad))
