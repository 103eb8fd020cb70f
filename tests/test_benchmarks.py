"""The benchmark scripts run end to end (tiny sizes), so they never rot."""

import pytest


@pytest.mark.filterwarnings("ignore")
def test_benchmarks_smoke(tmp_path):
    from benchmarks import run

    output = tmp_path / "RESULTS.md"
    run.main(["--smoke", "--allocator", "inherit", "--output", str(output)])
    text = output.read_text()
    for heading in run.BENCHMARKS:
        assert f"## {heading}" in text
    # Every table row of every section has a number in it.
    assert "TruncatedNormal(low=5)" in text
    assert "| eqdist |" in text
    assert "nan" not in text.lower().replace("finite", "")


@pytest.mark.parametrize("maf", [True, False])
def test_handwritten_flow_matches_eqdist(maf):
    """The flow tables' hand-written reference computes what eqdist's flow does:
    same log densities of data, same samples and log densities of its own draws."""
    import jax
    import numpy as np

    from benchmarks import bench_flows

    key = jax.random.key(0)
    eq_params, eq_build = bench_flows._LIBRARIES["eqdist"](key, 3, 2, maf)
    hand_params, hand_build = bench_flows._LIBRARIES["hand-written"](key, 3, 2, maf)
    eq_flow, hand_flow = eq_build(eq_params), hand_build(hand_params)
    y = jax.random.normal(jax.random.key(1), (5, 3))
    np.testing.assert_allclose(hand_flow.log_prob(y), eq_flow.log_prob(y), rtol=1e-6)
    eq_z, eq_log_q = eq_flow.sample_and_log_prob(jax.random.key(2), (5,))
    hand_z, hand_log_q = hand_flow.sample_and_log_prob(jax.random.key(2), (5,))
    np.testing.assert_allclose(hand_z, eq_z, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hand_log_q, eq_log_q, rtol=1e-6)


def test_import_breakdown_smoke():
    from benchmarks import import_breakdown

    text = import_breakdown.breakdown(1)
    assert "| **total** |" in text
    assert "compiling flatten/unflatten" in text


def test_run_keeps_the_hand_written_summary(tmp_path):
    from benchmarks import run

    path = tmp_path / "RESULTS.md"
    assert run._kept_summary(path) == ""
    block = f"{run.SUMMARY_BEGIN}\n## Summary\n\nverdicts\n{run.SUMMARY_END}"
    path.write_text(f"# Benchmark results\n\n{block}\n\n## eager\n\ntables\n")
    assert run._kept_summary(path) == block + "\n\n"
    path.write_text("# Benchmark results\n\n## eager\n\ntables\n")
    assert run._kept_summary(path) == ""


def test_fused_kernels_counts_identical_bodies_once():
    from benchmarks.bench_flows import fused_kernels

    def fusion(name, param, meta):
        return (
            f"%{name} (p.{param}: f32[4]) -> f32[4] {{\n"
            f"  %p.{param} = f32[4]{{0}} parameter(0)\n"
            f"  ROOT %e.{param} = f32[4]{{0}} exponential(%p.{param}), "
            f'metadata={{op_name="{meta}"}}\n}}'
        )

    hlo = "\n\n".join(
        [
            fusion("fused_computation", 0, "layer0"),
            fusion("fused_computation.1", 1, "layer1"),
            "%fused_computation.2 (p: f32[4]) -> f32[4] {\n"
            "  %p = f32[4]{0} parameter(0)\n  ROOT %l = f32[4]{0} log(%p)\n}",
            "ENTRY %main (x: f32[4]) -> f32[4] {\n"
            "  %a = f32[4]{0} fusion(%x), kind=kLoop, calls=%fused_computation\n"
            "  %b = f32[4]{0} fusion(%a), kind=kLoop, calls=%fused_computation.1\n"
            "  ROOT %c = f32[4]{0} fusion(%b), kind=kLoop, calls=%fused_computation.2\n}",
        ]
    )
    assert fused_kernels(hlo) == (3, 2)
