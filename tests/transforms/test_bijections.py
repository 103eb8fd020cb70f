"""Every bijection: round trip, log|det J| against `jax.jacobian`, agreement with
NumPyro, float32, PyTree round trips, jit/vmap/grad."""

import io

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions.constraints as ncon
import numpyro.distributions.transforms as nt
import pytest
from helpers import finite_difference_grad

from eqdist import Normal, TransformedDistribution, constraints
from eqdist.transforms import (
    AbstractTransform,
    AffineTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    ExpTransform,
    IdentityTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PermuteTransform,
    PositiveDefiniteTransform,
    PowerTransform,
    SigmoidTransform,
    StickBreakingTransform,
)


def _strict(y):
    rows, cols = np.tril_indices(y.shape[-1], -1)
    return y[..., rows, cols]


def _lower(y):
    rows, cols = np.tril_indices(y.shape[-1])
    return y[..., rows, cols]


def _all(y):
    return y


def _drop_last(y):
    return y[..., :-1]


# name: (transform factory, event shape of x, x -> free output coordinates,
#        domain sampler (unconstrained draw -> point of the domain), NumPyro twin)
CASES = {
    "exp": (ExpTransform, (), _all, None, lambda: nt.ExpTransform()),
    "affine": (
        lambda: AffineTransform(
            jnp.array([0.5, -1.0, 2.0]), jnp.array([2.0, 0.3, 1.5])
        ),
        (),
        _all,
        None,
        lambda: nt.AffineTransform(
            jnp.array([0.5, -1.0, 2.0]), jnp.array([2.0, 0.3, 1.5])
        ),
    ),
    "affine_negative": (
        lambda: AffineTransform(1.0, -2.0),
        (),
        _all,
        None,
        None,
    ),
    "affine_vector": (
        lambda: AffineTransform(
            jnp.array([0.5, -1.0, 2.0]),
            jnp.array([2.0, -0.3, 1.5]),
            domain=constraints.real_vector,
        ),
        (3,),
        _all,
        None,
        lambda: nt.IndependentTransform(
            nt.AffineTransform(
                jnp.array([0.5, -1.0, 2.0]), jnp.array([2.0, -0.3, 1.5])
            ),
            1,
        ),
    ),
    "power": (
        lambda: PowerTransform(2.5),
        (),
        _all,
        jnp.exp,
        lambda: nt.PowerTransform(2.5),
    ),
    "power_negative": (
        lambda: PowerTransform(-0.5),
        (),
        _all,
        jnp.exp,
        None,
    ),
    "sigmoid": (SigmoidTransform, (), _all, None, lambda: nt.SigmoidTransform()),
    "identity": (IdentityTransform, (), _all, None, None),
    "identity_vector": (lambda: IdentityTransform(1), (3,), _all, None, None),
    "permute": (
        lambda: PermuteTransform((2, 0, 3, 1)),
        (4,),
        _all,
        None,
        lambda: nt.PermuteTransform(jnp.array([2, 0, 3, 1])),
    ),
    "stick_breaking": (
        StickBreakingTransform,
        (4,),
        _drop_last,
        None,
        lambda: nt.StickBreakingTransform(),
    ),
    "lower_cholesky": (
        LowerCholeskyTransform,
        (6,),
        _lower,
        None,
        lambda: nt.LowerCholeskyTransform(),
    ),
    "corr_cholesky": (
        CorrCholeskyTransform,
        (6,),
        _strict,
        None,
        lambda: nt.CorrCholeskyTransform(),
    ),
    "positive_definite": (
        PositiveDefiniteTransform,
        (6,),
        _lower,
        None,
        lambda: nt.biject_to(ncon.positive_definite),
    ),
    "compose": (
        lambda: ComposeTransform([ExpTransform(), AffineTransform(1.0, 3.0)]),
        (),
        _all,
        None,
        None,
    ),
    "independent_exp": (
        lambda: IndependentTransform(ExpTransform(), 1),
        (3,),
        _all,
        None,
        None,
    ),
}
NAMES = list(CASES)


def _draw(name, key, batch=(), dtype=jnp.float64):
    _, event, _, to_domain, _ = CASES[name]
    x = jax.random.normal(key, batch + event, dtype=dtype)
    return to_domain(x) if to_domain is not None else x


def _jacobian_ladj(t, free, x):
    """log|det| of the Jacobian of each event of x to the free output coordinates."""
    if t.event_dim == 0:
        # Elementwise: the derivatives are the gradient of the sum.
        return jnp.log(jnp.abs(jax.grad(lambda v: jnp.sum(t(v)))(x)))
    event = x.shape[x.ndim - 1 :]
    flat = x.reshape((-1,) + event)
    jac = jax.vmap(jax.jacobian(lambda v: free(t(v)).reshape(-1)))(flat)
    return jnp.linalg.slogdet(jac)[1].reshape(x.shape[: x.ndim - 1])


@eqx.filter_jit
def _apply(t, x):
    """Everything a test reads off a transform, in one compiled call (eager op by op
    dispatch compiles every primitive separately and is several times slower)."""
    y = t(x)
    return y, t.inv(y), t.log_abs_det_jacobian(x, y), t.codomain(y), t.domain(x)


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_shapes_and_numpyro(name, getkey):
    make, _, _, _, twin = CASES[name]
    t = make()
    assert isinstance(t, AbstractTransform)
    x = _draw(name, getkey(), batch=(2, 3))
    y, x_back, ladj, in_codomain, in_domain = _apply(t, x)
    np.testing.assert_allclose(x_back, x, rtol=1e-10, atol=1e-10)
    assert np.all(in_codomain)
    assert np.all(in_domain)
    assert t.event_dim == t.domain.event_dim
    assert ladj.shape == (2, 3) + x.shape[2 : x.ndim - t.event_dim]
    assert t.forward_shape(x.shape) == y.shape
    assert t.inverse_shape(y.shape) == x.shape
    if twin is None:
        return
    ref = twin()
    y_ref, x_ref, ladj_ref = jax.jit(
        lambda v: (ref(v), ref.inv(ref(v)), ref.log_abs_det_jacobian(v, ref(v)))
    )(x)
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x_back, x_ref, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ladj, ladj_ref, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_log_abs_det_jacobian_matches_autodiff(name, getkey):
    make, _, free, _, _ = CASES[name]
    t = make()
    x = _draw(name, getkey(), batch=(2, 3))  # the shape of the round trip test
    expected = jax.jit(lambda v: _jacobian_ladj(t, free, v))(x)
    ladj = _apply(t, x)[2]
    np.testing.assert_allclose(ladj, expected, rtol=1e-10, atol=1e-10)


FLOAT32 = [
    "exp",
    "affine",
    "affine_negative",
    "power",
    "sigmoid",
    "stick_breaking",
    "lower_cholesky",
    "corr_cholesky",
    "positive_definite",
    "compose",
]


@pytest.mark.parametrize("name", FLOAT32)
def test_float32(name, getkey):
    t = CASES[name][0]()
    x = _draw(name, getkey(), batch=(2, 3), dtype=jnp.float32)
    y, x_back, ladj, _, _ = _apply(t, x)
    if name not in ("affine", "affine_vector"):
        # No float64 array parameters; Python numbers are weakly typed, so float32
        # stays float32.
        assert y.dtype == ladj.dtype == jnp.float32
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(x_back, x, rtol=1e-4, atol=1e-4)
    ladj64 = _apply(t, x.astype(jnp.float64))[2]
    np.testing.assert_allclose(ladj, ladj64, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "name", ["affine", "power", "permute", "identity_vector", "compose", "sigmoid"]
)
def test_pytree_round_trip(name, getkey, tmp_path):
    t = CASES[name][0]()
    leaves, treedef = jax.tree.flatten(t)
    rebuilt = jax.tree.unflatten(treedef, leaves)
    x = _draw(name, getkey(), batch=(2, 3))
    np.testing.assert_array_equal(rebuilt(x), t(x))
    buffer = io.BytesIO()
    eqx.tree_serialise_leaves(buffer, t)
    buffer.seek(0)
    restored = eqx.tree_deserialise_leaves(buffer, t)
    np.testing.assert_array_equal(restored(x), t(x))
    path = tmp_path / "t.eqx"
    eqx.tree_serialise_leaves(path, t)
    np.testing.assert_array_equal(eqx.tree_deserialise_leaves(path, t)(x), t(x))


@pytest.mark.parametrize("name", ["affine_vector", "stick_breaking"])
def test_jit_vmap(name, getkey):
    t = CASES[name][0]()
    x = _draw(name, getkey(), batch=(4,))

    @eqx.filter_jit
    def forward(t, x):
        y = t(x)
        return y, t.inv(y), t.log_abs_det_jacobian(x, y)

    y, x_back, ladj = forward(t, x)
    np.testing.assert_allclose(y, t(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(x_back, x, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ladj, t.log_abs_det_jacobian(x, t(x)), rtol=1e-12)
    vmapped = jax.vmap(lambda v: t.log_abs_det_jacobian(v, t(v)))(x)
    np.testing.assert_allclose(vmapped, ladj, rtol=1e-12)


def test_vmap_over_parameters():
    locs, scales = jnp.array([0.0, 1.0, 2.0]), jnp.array([1.0, 2.0, 3.0])
    stacked = jax.vmap(AffineTransform)(locs, scales)
    x = jnp.array([0.5, 0.5, 0.5])
    out = jax.vmap(lambda t, v: t(v))(stacked, x)
    np.testing.assert_allclose(out, locs + scales * x)
    ladj = jax.vmap(lambda t, v: t.log_abs_det_jacobian(v, t(v)))(stacked, x)
    np.testing.assert_allclose(ladj, jnp.log(scales))


def test_grad_matches_finite_differences():
    t = CorrCholeskyTransform()
    x0 = jnp.array([0.3, -1.2, 0.7])

    def f(x):
        y = t(x)
        return jnp.sum(y**2 * jnp.arange(9.0).reshape(3, 3)) + t.log_abs_det_jacobian(
            x, y
        )

    grad = jax.jit(jax.grad(f))(x0)
    np.testing.assert_allclose(grad, finite_difference_grad(jax.jit(f), x0), rtol=1e-6)


def test_grad_through_parameters_is_finite():
    def f(scale, exponent):
        x = jnp.array([0.5, 1.5])
        t = ComposeTransform([PowerTransform(exponent), AffineTransform(0.0, scale)])
        y = t(x)
        return jnp.sum(y + t.log_abs_det_jacobian(x, y))

    g = jax.jit(jax.grad(f, argnums=(0, 1)))(2.0, 1.5)
    assert all(np.isfinite(v) for v in g)
    fd = finite_difference_grad(jax.jit(lambda s: f(s, 1.5)), jnp.asarray(2.0))
    np.testing.assert_allclose(g[0], fd, rtol=1e-7)


def test_sigmoid_saturation_float32():
    t = SigmoidTransform()
    x = jnp.array([-100.0, -40.0, 40.0, 100.0], dtype=jnp.float32)
    y, back, ladj, _, _ = _apply(t, x)
    assert y.dtype == jnp.float32
    assert np.all((y > 0) & (y < 1))
    assert np.all(np.isfinite(back))
    assert back[2] > 15 and back[1] < -15
    np.testing.assert_allclose(ladj, -np.abs(np.asarray(x, np.float64)), rtol=1e-6)

    @jax.jit
    def grads(v, ends):
        forward = jax.grad(lambda v: jnp.sum(t(v) + t.log_abs_det_jacobian(v, t(v))))
        return forward(v), t.inv(ends), jax.grad(lambda e: jnp.sum(t.inv(e)))(ends)

    # The inverse at the closed ends stays finite, with finite gradients.
    ends = jnp.array([0.0, 1.0], dtype=jnp.float32)
    for value in grads(x, ends):
        assert np.all(np.isfinite(value))
    # Eager agrees with the compiled path.
    np.testing.assert_array_equal(t(x), y)


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_stick_breaking_and_corr_cholesky_saturate(dtype):
    x = jnp.array([60.0, -60.0, 30.0], dtype=dtype)
    s = StickBreakingTransform()
    y, back, ladj, inside, _ = _apply(s, x)
    assert np.all(np.isfinite(y)) and np.all(y >= 0) and inside
    assert abs(float(jnp.sum(y)) - 1) < 10 * jnp.finfo(dtype).eps
    assert np.isfinite(ladj) and np.all(np.isfinite(back))
    c = CorrCholeskyTransform()
    L, back, ladj, inside, _ = _apply(c, x)
    assert inside and np.all(jnp.diagonal(L) > 0)
    assert np.isfinite(ladj) and np.all(np.isfinite(back))
    g = jax.jit(jax.grad(lambda v: c.log_abs_det_jacobian(v, c(v)) + jnp.sum(c(v))))(x)
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_lower_cholesky_saturates_finite(dtype):
    """Diagonal entries of e^{+-100}: clamped into the dtype's range in float32, so
    the factor stays in the codomain and its inverse is finite; exact in float64."""
    x = jnp.array([100.0, -100.0, 3.0, 100.0, -100.0, 50.0], dtype=dtype)
    y, back, ladj, inside, _ = _apply(LowerCholeskyTransform(), x)
    assert y.dtype == dtype and inside
    assert np.all(np.isfinite(y)) and np.all(np.diagonal(y) > 0)
    assert np.all(np.isfinite(back)) and np.isfinite(ladj)
    if dtype == jnp.float64:
        np.testing.assert_allclose(back, x, rtol=1e-14)
    else:
        # Strict entries exact; the diagonal saturates at log(max) and log(tiny).
        np.testing.assert_array_equal(back[:3], x[:3])
        finfo = np.finfo(np.float32)
        np.testing.assert_allclose(
            back[3:], [np.log(finfo.max), np.log(finfo.tiny), 50.0], rtol=1e-6
        )


@pytest.mark.parametrize(
    "dtype, magnitude, recovered",
    [
        (jnp.float32, 10.0, True),
        (jnp.float32, 100.0, False),
        (jnp.float64, 100.0, True),
    ],
)
def test_positive_definite_ill_conditioned_inverse_finite(dtype, magnitude, recovered):
    """Inputs whose L L^T is numerically singular at the dtype (entries of -10 in
    float32, -100 in float64): `inv` falls back to a jittered factorisation, finite
    with finite gradients, instead of NaN."""
    x = -magnitude * jnp.ones(6, dtype=dtype)
    t = PositiveDefiniteTransform()
    y = t(x)
    assert np.all(np.isfinite(y))
    # The plain factorisation fails here: the fallback is what is tested.
    assert not np.all(np.isfinite(jnp.linalg.cholesky(y)))
    back, grad = jax.jit(
        lambda y: (t.inv(y), jax.grad(lambda y: jnp.sum(t.inv(y)))(y))
    )(y)
    assert back.dtype == dtype
    assert np.all(np.isfinite(back)) and np.all(np.isfinite(grad))
    if recovered:
        # What the rounding left is recovered: L_21 and log L_11 to a few eps.
        tol = 100 * jnp.finfo(dtype).eps
        np.testing.assert_allclose(
            back[np.array([0, 3])], x[np.array([0, 3])], rtol=tol
        )


def test_positive_definite_well_conditioned_inverse_unchanged(getkey):
    """The fallback never touches a matrix that factorises: exact round trip."""
    x = jax.random.normal(getkey(), (5, 10))
    t = PositiveDefiniteTransform()
    back = jax.jit(lambda v: t.inv(t(v)))(x)
    np.testing.assert_allclose(back, x, rtol=1e-12, atol=1e-12)
    expected = LowerCholeskyTransform().inv(jnp.linalg.cholesky(t(x)))
    np.testing.assert_array_equal(back, expected)


def test_positive_definite_outside_codomain():
    """A symmetric matrix that is not positive definite (beyond rounding) is outside
    the codomain: `inv` is NaN (documented) and a `TransformedDistribution` through
    the transform gives it log density -inf, with a finite one inside."""
    t = PositiveDefiniteTransform()
    bad = jnp.array([[1.0, 2.0], [2.0, 1.0]])
    assert np.all(np.isnan(t.inv(bad)))
    d = TransformedDistribution(Normal(jnp.zeros(3), 1.0).to_event(1), t)
    assert d.event_shape == (2, 2)
    good = t(jnp.array([0.3, -0.2, 0.1]))
    lp = eqx.filter_jit(lambda d, v: d.log_prob(v))(d, jnp.stack([bad, good]))
    assert lp[0] == -np.inf and np.isfinite(lp[1])


def test_positive_definite_log_det_formula(getkey):
    """The closed form n log 2 + sum (n - i + 2) log L_ii against slogdet."""
    n = 4
    x = jax.random.normal(getkey(), (n * (n + 1) // 2,))
    t = PositiveDefiniteTransform()
    factor = LowerCholeskyTransform()(x)
    rows = np.arange(1, n + 1)
    closed = (
        n * np.log(2)
        + np.sum((n - rows + 1) * np.log(np.diag(factor)))
        + np.sum(np.log(np.diag(factor)))
    )
    np.testing.assert_allclose(_apply(t, x)[2], closed, rtol=1e-12)
    autodiff = jax.jit(lambda v: _jacobian_ladj(t, _lower, v))(x)
    np.testing.assert_allclose(closed, autodiff, rtol=1e-10, atol=1e-10)


def test_permute_validation():
    with pytest.raises(ValueError, match="exactly once"):
        PermuteTransform((0, 0, 1))
    with pytest.raises(ValueError, match="1-d sequence of ints"):
        PermuteTransform(np.array([[0, 1]]))
    t = PermuteTransform(np.array([1, 0]))
    assert t.permutation == (1, 0)
    assert jax.tree.leaves(t) == []
    with pytest.raises(ValueError, match="last axis of size 2"):
        t(jnp.zeros(3))


def test_triangular_length_validation():
    with pytest.raises(ValueError, match=r"n\(n\+1\)/2"):
        LowerCholeskyTransform()(jnp.zeros(4))
    with pytest.raises(ValueError, match=r"n\(n-1\)/2"):
        CorrCholeskyTransform()(jnp.zeros(4))


def test_identity_event_dim():
    with pytest.raises(ValueError, match="event_dim"):
        IdentityTransform(-1)
    t = IdentityTransform(2)
    assert t.event_dim == 2
    assert t.log_abs_det_jacobian(jnp.ones((4, 2, 3)), jnp.ones((4, 2, 3))).shape == (
        4,
    )
