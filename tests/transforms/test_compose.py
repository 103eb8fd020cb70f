"""`ComposeTransform`: order, event dims, log-determinants and intermediates."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from eqdist import constraints
from eqdist.transforms import (
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    StickBreakingTransform,
)


def test_applies_left_to_right_and_inverts_right_to_left():
    # The affine part's domain says what it receives, so its codomain is exact.
    affine = AffineTransform(1.0, 3.0, domain=constraints.positive)
    t = ComposeTransform([ExpTransform(), affine])
    x = jnp.array([-1.0, 0.0, 2.0])
    y = t(x)
    np.testing.assert_allclose(y, 1 + 3 * np.exp(x), rtol=1e-14)
    np.testing.assert_allclose(t.inv(y), x, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y), x + np.log(3), rtol=1e-14)
    codomain = t.codomain
    assert isinstance(codomain, constraints.GreaterThan)
    np.testing.assert_allclose(codomain.lower_bound, 1.0)


def test_empty_is_identity():
    t = ComposeTransform([])
    x = jnp.ones((2, 3), dtype=jnp.float32)
    np.testing.assert_array_equal(t(x), x)
    np.testing.assert_array_equal(t.inv(x), x)
    ladj = t.log_abs_det_jacobian(x, x)
    assert ladj.shape == (2, 3) and ladj.dtype == jnp.float32
    assert not np.any(ladj)


def test_widens_event_dim_for_later_parts():
    """Exp (event_dim 0) then stick breaking (event_dim 1): the composition acts
    on vectors and sums Exp's log-determinant over them."""
    t = ComposeTransform([ExpTransform(), StickBreakingTransform()])
    assert t.event_dim == 1
    assert t.domain.event_dim == 1 and t.codomain.event_dim == 1
    assert isinstance(t.codomain, constraints.Simplex)
    x = jnp.array([[0.3, -0.5, 1.2], [0.0, 0.1, -0.2]])
    y = t(x)
    ladj = t.log_abs_det_jacobian(x, y)
    assert ladj.shape == (2,)
    jac = jax.jit(jax.vmap(jax.jacobian(lambda v: t(v)[:-1])))(x)
    np.testing.assert_allclose(ladj, jnp.linalg.slogdet(jac)[1], rtol=1e-10)
    # A later elementwise part after a vector one keeps the vector event.
    t2 = ComposeTransform([StickBreakingTransform(), AffineTransform(0.0, 2.0)])
    assert t2.codomain.event_dim == 1
    ladj2 = t2.log_abs_det_jacobian(x, t2(x))
    np.testing.assert_allclose(
        ladj2,
        StickBreakingTransform().log_abs_det_jacobian(x, t2(x) / 2) + 4 * np.log(2),
        rtol=1e-12,
    )


def test_intermediates_and_nesting():
    inner = ComposeTransform([PowerTransform(2.0), ExpTransform()])
    t = ComposeTransform([ExpTransform(), inner, SigmoidTransform()])
    x = jnp.array([-0.5, 0.2, 0.4])
    y, intermediates = t.call_with_intermediates(x)
    assert len(intermediates) == 3 and len(intermediates[1]) == 2
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(x, y, intermediates),
        t.log_abs_det_jacobian(x, y),
        rtol=1e-14,
    )
    jac = jax.jacobian(t)(x)
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(x, y), jnp.log(jnp.abs(jnp.diagonal(jac))), rtol=1e-10
    )
    np.testing.assert_allclose(t.inv(y), x, rtol=1e-10)


def test_float32_and_jit():
    t = ComposeTransform([ExpTransform(), AffineTransform(1.0, 3.0)])
    x = jnp.array([0.5, 1.5], dtype=jnp.float32)
    ladj = eqx.filter_jit(lambda t, x: t.log_abs_det_jacobian(x, t(x)))(t, x)
    assert ladj.dtype == jnp.float32
    np.testing.assert_allclose(ladj, np.asarray(x) + np.log(3), rtol=1e-6)
