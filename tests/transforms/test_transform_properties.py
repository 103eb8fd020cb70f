"""Property tests (hypothesis) over shapes and values."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from eqdist import constraints
from eqdist.transforms import (
    AffineTransform,
    CorrCholeskyTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    StickBreakingTransform,
    biject_to,
)

SETTINGS = settings(max_examples=25, deadline=None)


def _values(low, high, shapes):
    return hnp.arrays(
        np.float64, shapes, elements=st.floats(low, high, allow_subnormal=False)
    )


ELEMENTWISE = st.sampled_from(
    [
        ExpTransform(),
        SigmoidTransform(),
        AffineTransform(0.5, -2.0),
        PowerTransform(1.7),
        biject_to(constraints.interval(-1.0, 4.0)),
        biject_to(constraints.greater_than(2.0)),
    ]
)


@SETTINGS
@given(
    t=ELEMENTWISE,
    # A few shapes, so that compiled kernels are reused across examples.
    x=_values(-8, 8, st.sampled_from([(), (3,), (2, 3)])),
)
def test_elementwise_round_trip_and_derivative(t, x):
    if isinstance(t, PowerTransform):
        x = np.exp(x / 4)  # its domain is the positive half line
    x = jnp.asarray(x)
    y = t(x)
    assert y.shape == x.shape
    assert np.all(t.codomain(y))
    np.testing.assert_allclose(t.inv(y), x, rtol=1e-8, atol=1e-8)
    # Elementwise, the derivative is the gradient of the sum.
    derivative = jax.grad(lambda v: jnp.sum(t(v)))(x)
    np.testing.assert_allclose(
        t.log_abs_det_jacobian(x, y), jnp.log(jnp.abs(derivative)), rtol=1e-9, atol=1e-9
    )


@eqx.filter_jit
def _vector_checks(t, free, x):
    y = t(x)
    ladj = t.log_abs_det_jacobian(x, y)
    jac = jax.vmap(jax.jacobian(lambda v: free(t(v))))(x.reshape(-1, x.shape[-1]))
    autodiff = jnp.linalg.slogdet(jac)[1].reshape(ladj.shape)
    return y, t.inv(y), ladj, autodiff, t.codomain(y)


def _drop_last(y):
    return y[..., :-1]


@SETTINGS
@given(
    batch=st.sampled_from([(), (2,)]),
    data=st.data(),
)
def test_stick_breaking_properties(batch, data):
    x = jnp.asarray(data.draw(_values(-15, 15, batch + (3,))))
    t = StickBreakingTransform()
    y, back, ladj, autodiff, inside = _vector_checks(t, _drop_last, x)
    assert y.shape == batch + (4,) and np.all(inside)
    np.testing.assert_allclose(back, x, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(ladj, autodiff, rtol=1e-7, atol=1e-7)


def _strict_lower(y):
    rows, cols = np.tril_indices(y.shape[-1], -1)
    return y[..., rows, cols]


@SETTINGS
@given(
    batch=st.sampled_from([(), (2,)]),
    data=st.data(),
)
def test_corr_cholesky_properties(batch, data):
    x = jnp.asarray(data.draw(_values(-5, 5, batch + (3,))))
    t = CorrCholeskyTransform()
    y, back, ladj, autodiff, inside = _vector_checks(t, _strict_lower, x)
    assert y.shape == batch + (3, 3) and np.all(inside)
    np.testing.assert_allclose(back, x, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ladj, autodiff, rtol=1e-8, atol=1e-8)


@SETTINGS
@given(
    low=st.floats(-100, 100),
    width=st.floats(1e-3, 100),
    x=_values(-30, 30, st.sampled_from([(), (4,), (2, 3)])),
)
def test_biject_to_interval_lands_inside(low, width, x):
    constraint = constraints.interval(low, low + width)
    y = biject_to(constraint)(jnp.asarray(x))
    assert y.shape == np.shape(x)
    assert np.all(constraint(y))
