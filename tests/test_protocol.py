"""The distribution protocol: shapes from leaves, wrappers, validation, keys, PyTrees."""

import dataclasses
import io

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.stats
from jaxtyping import TypeCheckError

import eqdist


def test_shapes_come_from_the_leaves():
    d = eqdist.Normal(jnp.zeros((2, 1)), jnp.ones(3))
    assert d.batch_shape == (2, 3)
    assert d.event_shape == ()
    assert d.loc.shape == d.scale.shape == (2, 3)  # stored already broadcast
    assert d.shape((5,)) == (5, 2, 3)
    assert d.sample(jax.random.key(0), (5,)).shape == (5, 2, 3)
    assert all(isinstance(leaf, jax.Array) for leaf in jax.tree.leaves(d))


def test_vmap_over_a_batch_of_distributions_matches_the_batched_call():
    locs = jnp.linspace(-1.0, 1.0, 4)
    xs = jnp.linspace(0.0, 2.0, 4)
    dists = jax.vmap(lambda p: eqdist.Normal(p, 2.0))(locs)
    assert dists.batch_shape == (4,)
    by_vmap = jax.vmap(lambda d, x: d.log_prob(x))(dists, xs)
    batched = eqdist.Normal(locs, 2.0).log_prob(xs)
    np.testing.assert_allclose(by_vmap, batched, rtol=1e-14)
    np.testing.assert_allclose(
        batched, scipy.stats.norm(locs, 2.0).logpdf(xs), rtol=1e-12
    )


def test_normal_against_scipy():
    loc, scale = jnp.array([0.5, -2.0]), jnp.array([1.5, 0.1])
    d, ref = eqdist.Normal(loc, scale), scipy.stats.norm(loc, scale)
    x = jnp.array([0.3, -2.2])
    np.testing.assert_allclose(d.log_prob(x), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=1e-12)
    np.testing.assert_allclose(
        d.icdf(jnp.array([0.1, 0.9])), ref.ppf([0.1, 0.9]), rtol=1e-12
    )
    np.testing.assert_allclose(d.mean, ref.mean(), rtol=1e-14)
    np.testing.assert_allclose(d.variance, ref.var(), rtol=1e-14)
    np.testing.assert_allclose(d.entropy(), ref.entropy(), rtol=1e-12)
    samples = d.sample(jax.random.key(3), (4000,))
    for i in range(2):
        marginal = scipy.stats.norm(loc[i], scale[i])
        assert scipy.stats.kstest(samples[:, i], marginal.cdf).pvalue > 1e-3


def test_pathwise_gradient_of_a_sample():
    def first_draw(loc, scale):
        return eqdist.Normal(loc, scale).sample(jax.random.key(1))

    eps = jax.random.normal(jax.random.key(1), (), dtype=jnp.float64)
    g_loc, g_scale = jax.grad(first_draw, argnums=(0, 1))(0.3, 2.0)
    assert g_loc == pytest.approx(1.0)
    assert g_scale == pytest.approx(float(eps))


def test_missing_closed_forms_raise_a_named_error():
    d = eqdist.Normal(0.0, 1.0).to_event(0)
    with pytest.raises(
        AttributeError, match="Normal has no closed-form `enumerate_support`"
    ):
        d.enumerate_support()
    with pytest.raises(AttributeError, match="no attribute 'not_a_member'"):
        d.not_a_member  # noqa: B018


# --- Independent ---------------------------------------------------------------


def test_independent_moves_batch_axes_to_the_event():
    base = eqdist.Normal(jnp.zeros((2, 3)), 1.0)
    d = base.to_event(1)
    assert isinstance(d, eqdist.Independent)
    assert (d.batch_shape, d.event_shape) == ((2,), (3,))
    x = jnp.arange(6.0).reshape(2, 3) / 3
    np.testing.assert_allclose(d.log_prob(x), base.log_prob(x).sum(-1), rtol=1e-14)
    assert d.sample(jax.random.key(0), (4,)).shape == (4, 2, 3)
    x_, lp = d.sample_and_log_prob(jax.random.key(0), (4,))
    np.testing.assert_allclose(lp, d.log_prob(x_), rtol=1e-14)
    np.testing.assert_allclose(d.entropy(), base.entropy().sum(-1), rtol=1e-14)
    assert base.to_event().event_shape == (2, 3)
    assert base.to_event(0) is base


def test_independent_rejects_too_many_axes():
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        eqdist.Normal(jnp.zeros(3), 1.0).to_event(2)


def test_independent_under_vmap():
    locs = jnp.arange(12.0).reshape(4, 3)
    dists = jax.vmap(lambda p: eqdist.Normal(p, 1.0).to_event(1))(locs)
    assert (dists.batch_shape, dists.event_shape) == ((4,), (3,))
    lp = jax.vmap(lambda d, x: d.log_prob(x))(dists, locs + 1)
    np.testing.assert_allclose(
        lp, eqdist.Normal(locs, 1.0).to_event(1).log_prob(locs + 1)
    )


# --- ExpandedDistribution ---------------------------------------------------------


def test_expand_shapes_and_log_prob():
    base = eqdist.Normal(jnp.array([[0.0], [1.0]]), 1.0)  # batch (2, 1)
    d = base.expand((5, 2, 3))
    assert isinstance(d, eqdist.ExpandedDistribution)
    assert (d.batch_shape, d.event_shape) == ((5, 2, 3), ())
    x = jnp.ones((5, 2, 3))
    np.testing.assert_allclose(
        d.log_prob(x), jnp.broadcast_to(base.log_prob(x), (5, 2, 3))
    )
    assert d.log_prob(0.5).shape == (5, 2, 3)
    assert d.mean.shape == d.variance.shape == (5, 2, 3)


def test_expand_draws_independently_along_new_and_stretched_axes():
    base = eqdist.Normal(jnp.array([[0.0], [100.0]]), 1.0)  # batch (2, 1)
    d = base.expand((4, 2, 3))
    x = d.sample(jax.random.key(0), (7,))
    assert x.shape == (7, 4, 2, 3)
    # Row 1 keeps its own location: the base axis lands where it belongs.
    assert jnp.all(x[:, :, 1, :] > 50) and jnp.all(x[:, :, 0, :] < 50)
    flat = x[:, :, 0, :].reshape(-1)
    assert jnp.unique(flat).size == flat.size  # no copies along new/stretched axes
    assert scipy.stats.kstest(flat, "norm").pvalue > 1e-3
    x2, lp = d.sample_and_log_prob(jax.random.key(0), (7,))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_allclose(lp, d.log_prob(x2), rtol=1e-13)


def test_expand_rejects_non_broadcastable_shapes():
    with pytest.raises(
        ValueError, match=r"cannot be broadcast to `batch_shape` \(4,\)"
    ):
        eqdist.Normal(jnp.zeros(3), 1.0).expand((4,))


def test_expanded_batch_shape_survives_vmap():
    dists = jax.vmap(lambda p: eqdist.Normal(p, 1.0).expand((3,)))(jnp.arange(4.0))
    assert dists.batch_shape == (4, 3)
    lp = jax.vmap(lambda d: d.log_prob(0.0))(dists)
    assert lp.shape == (4, 3)


# --- TransformedDistribution (transform-free checks; transforms have their own) ---


def test_transformed_with_no_transforms_is_the_base():
    base = eqdist.Normal(jnp.zeros(3), 2.0)
    d = eqdist.TransformedDistribution(base, [])
    assert (d.batch_shape, d.event_shape) == ((3,), ())
    x = jnp.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(d.log_prob(x), base.log_prob(x))


def test_transformed_rejects_non_transforms():
    with pytest.raises(TypeError):
        eqdist.TransformedDistribution(eqdist.Normal(), [lambda x: x])


# --- shape checks -------------------------------------------------------------------


def test_parameters_that_do_not_broadcast_are_named():
    # Under the test hook, jaxtyping's named dimensions catch this first; without it,
    # eqdist's own broadcasting helper does.
    with pytest.raises((ValueError, TypeCheckError), match="scale"):
        eqdist.Normal(jnp.zeros(2), jnp.ones(3))
    from eqdist._shapes import promote_params

    with pytest.raises(
        ValueError,
        match=r"Normal: parameters do not broadcast.*`loc` \(2,\), `scale` \(3,\)",
    ):
        promote_params("Normal", {"loc": (jnp.zeros(2), 0), "scale": (jnp.ones(3), 0)})


def test_runtime_shape_checking_is_active_in_tests():
    # A wrongly typed argument is caught by the jaxtyping/beartype hook.
    with pytest.raises(TypeCheckError):
        eqdist.Normal("zero", 1.0)


def test_value_of_the_wrong_event_shape():
    d = eqdist.Normal(jnp.zeros(3), 1.0).to_event(1)
    with pytest.raises(ValueError, match=r"does not end in the event shape \(3,\)"):
        d.log_prob(jnp.zeros(4))
    with pytest.raises(ValueError, match="do not broadcast with the batch shape"):
        eqdist.Normal(jnp.zeros(3), 1.0).log_prob(jnp.zeros(4))


@pytest.mark.parametrize(
    "bad_key", [0, 1.5, jnp.zeros(2), jnp.zeros(3, dtype=jnp.uint32)]
)
def test_a_non_key_is_rejected(bad_key):
    from eqdist._shapes import check_key

    with pytest.raises(TypeError, match="`key` must be a PRNG key"):
        check_key("Normal", bad_key)
    with pytest.raises((TypeError, TypeCheckError)):
        eqdist.Normal().sample(bad_key)


def test_raw_and_typed_keys_both_work():
    d = eqdist.Normal()
    assert d.sample(jax.random.PRNGKey(0), (3,)).shape == (3,)
    assert d.sample(jax.random.key(0), (3,)).shape == (3,)


# --- validation -----------------------------------------------------------------


def test_validation_is_off_by_default_and_names_the_problem_when_on():
    eqdist.Normal(0.0, -1.0)  # no check by default
    with pytest.raises(
        ValueError, match=r"Normal: parameter `scale` must satisfy GreaterThan\(0.0\)"
    ):
        eqdist.Normal(0.0, -1.0, validate_args=True)


def test_validation_inside_jit_fails_loudly():
    @jax.jit
    def f(scale):
        return eqdist.Normal(0.0, scale, validate_args=True).log_prob(1.0)

    assert np.isfinite(f(1.0))
    with pytest.raises(Exception, match="parameter `scale` must satisfy"):
        jax.block_until_ready(f(-1.0))


def test_enable_validation_sets_the_process_default():
    try:
        eqdist.enable_validation()
        with pytest.raises(ValueError, match="scale"):
            eqdist.Normal(0.0, jnp.nan)
        eqdist.Normal(0.0, -1.0, validate_args=False)  # explicit False wins
    finally:
        eqdist.enable_validation(False)
    eqdist.Normal(0.0, -1.0)


# --- PyTrees ------------------------------------------------------------------


def test_pytree_round_trip_and_serialisation():
    d = eqdist.Normal(jnp.array([0.0, 1.0]), jnp.array([2.0, 3.0])).to_event(1)
    leaves, treedef = jax.tree.flatten(d)
    again = jax.tree.unflatten(treedef, leaves)
    np.testing.assert_array_equal(again.log_prob(jnp.ones(2)), d.log_prob(jnp.ones(2)))
    buffer = io.BytesIO()
    eqx.tree_serialise_leaves(buffer, d)
    buffer.seek(0)
    skeleton = eqdist.Normal(jnp.zeros(2), jnp.ones(2)).to_event(1)
    loaded = eqx.tree_deserialise_leaves(buffer, skeleton)
    np.testing.assert_array_equal(loaded.log_prob(jnp.ones(2)), d.log_prob(jnp.ones(2)))


def test_fields_cannot_be_mutated():
    d = eqdist.Normal()
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.loc = jnp.ones(())


def test_grad_jit_and_optax_style_update_see_the_parameters():
    d = eqdist.Normal(jnp.array(0.5), jnp.array(2.0))
    x = jnp.array([1.0, 2.0, 4.0])

    @jax.jit
    def loss(d):
        return -d.log_prob(x).sum()

    grads = jax.grad(loss)(d)
    assert grads.loc == pytest.approx(float(-((x - 0.5) / 4.0).sum()))
    updated = jax.tree.map(lambda p, g: p - 0.1 * g, d, grads)
    assert loss(updated) < loss(d)


# --- Eager speed paths (one compiled kernel per log_prob, one sync per check) -------


def test_bound_log_prob_is_a_pytree_of_the_distribution():
    # `dist.log_prob` skips Equinox's BoundMethod (slow to create eagerly) but must
    # stay a PyTree holding the parameters, so jit traces them instead of baking them.
    d = eqdist.Gamma(jnp.array([2.0, 3.0]), jnp.array(1.5))
    bound = d.log_prob
    assert [id(leaf) for leaf in jax.tree.leaves(bound)] == [
        id(leaf) for leaf in jax.tree.leaves(d)
    ]
    apply = jax.jit(lambda log_prob, x: log_prob(x))
    x = jnp.array([0.5, -1.0])
    np.testing.assert_allclose(apply(bound, x), d.log_prob(x), rtol=1e-12)
    other = eqdist.Gamma(jnp.array([1.0, 4.0]), jnp.array(0.5))
    np.testing.assert_allclose(apply(other.log_prob, x), other.log_prob(x), rtol=1e-12)
    assert apply._cache_size() == 1  # parameters were traced, not constants


def test_eager_log_prob_matches_the_traced_path_and_checks_values():
    d = eqdist.Beta(jnp.array([2.0, 0.5]), jnp.array(3.0), validate_args=True)
    x = jnp.array([[0.25, 0.75], [0.0, 1.0]])
    traced = jax.jit(lambda d, x: d.log_prob(x))(d, x)
    np.testing.assert_array_equal(d.log_prob(x), traced)
    assert d.log_prob(x).shape == (2, 2)
    with pytest.raises(ValueError, match=r"Beta.log_prob: `value` is outside"):
        d.log_prob(jnp.array([0.5, 1.5]))
    # Every parameter is checked in one pass; the first violated one is named.
    with pytest.raises(ValueError, match="parameter `concentration0`"):
        eqdist.Beta(1.0, jnp.array([1.0, -1.0]), validate_args=True)
    with pytest.raises(ValueError, match="parameter `concentration1`"):
        eqdist.Beta(jnp.nan, -1.0, validate_args=True)


def test_one_select_in_the_primal_and_finite_gradients_outside():
    # The primal of a masked log_prob selects once; derivatives move outside values
    # to a feasible point first, so they are 0 there, not NaN (also second order).
    x = jnp.array([-1.0, 0.5, 2.0])
    hlo = jax.jit(eqdist.Gamma(2.5, 1.5).log_prob).lower(x).compile().as_text()
    assert hlo.count(" select(") == 1
    grad = jax.grad(lambda c, x: eqdist.Gamma(c, 1.5).log_prob(x).sum(), (0, 1))
    dc, dx = grad(2.5, x)
    assert np.isfinite(dc) and np.all(np.isfinite(dx)) and dx[0] == 0
    hess = jax.hessian(lambda x: eqdist.Gamma(2.5, 1.5).log_prob(x).sum())(x)
    assert np.all(np.isfinite(hess)) and hess[0, 0] == 0


def test_validation_of_constants_inside_jit():
    # Concrete parameters and values built inside a traced function still fail loudly.
    @jax.jit
    def f():
        return eqdist.Gamma(2.0, 1.0, validate_args=True).log_prob(jnp.array(-1.0))

    with pytest.raises(Exception, match=r"Gamma.log_prob: `value` is outside"):
        jax.block_until_ready(f())

    @jax.jit
    def g():
        return eqdist.Gamma(2.0, -1.0, validate_args=True).log_prob(jnp.array(1.0))

    with pytest.raises(Exception, match="parameter `rate` must satisfy"):
        jax.block_until_ready(g())
