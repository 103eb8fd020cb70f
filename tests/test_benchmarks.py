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


def test_import_breakdown_smoke():
    from benchmarks import import_breakdown

    text = import_breakdown.breakdown(1)
    assert "| **total** |" in text
    assert "compiling flatten/unflatten" in text
