"""Every example runs: each script's `--quick` mode in a subprocess, writing into a
temporary directory, and the user-facing typed-shapes test template under pytest.

`examples/` is outside `testpaths`, so the main suite never collects the template
directly; it runs here, once, in its own process with its own conftest."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _run(args, cwd=ROOT, timeout=300):
    # Quick runs are dominated by compilation: ask XLA to optimise less.
    flags = (
        "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", XLA_FLAGS=flags)
    env.pop("JAX_ENABLE_X64", None)  # the examples run in JAX's default float32
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _number(pattern, text):
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in the output:\n{text}"
    return float(match.group(1))


# Each quick run must also learn something: a bound that an untrained model misses.
QUICK_RUNS = [
    # 2-D flow: the best Gaussian fit to two moons scores about 3.4 nats.
    (
        "demo.py",
        ["flow_moons.png", "flow_moons.eqx"],
        r"validation negative log-likelihood: (\S+)",
        lambda v: v < 3.4,
    ),
    # VAE: about -500 nats per image at initialisation.
    (
        "vae_digits.py",
        ["vae_digits.png"],
        r"IAF posterior: test ELBO (\S+)",
        lambda v: v > -300,
    ),
    # MDN: a uniform density on [0, 1] scores 0 nats.
    (
        "mixture_density.py",
        ["mixture_density.png"],
        r"test negative log-likelihood: (\S+)",
        lambda v: v < -0.5,
    ),
]


@pytest.mark.parametrize(
    "script, outputs, pattern, learned", QUICK_RUNS, ids=[r[0] for r in QUICK_RUNS]
)
def test_example_quick_mode(script, outputs, pattern, learned, tmp_path):
    args = [str(EXAMPLES / script), "--quick", "--out", str(tmp_path)]
    if script == "demo.py":
        args.append("--no-progress")
    stdout = _run(args)
    value = _number(pattern, stdout)
    assert learned(value), f"{script}: {value} in\n{stdout}"
    for name in outputs:
        assert (tmp_path / name).stat().st_size > 0, name


def test_typed_shapes_template():
    stdout = _run(
        ["-m", "pytest", "-q", "-p", "no:cacheprovider", "examples/typed_shapes"]
    )
    assert "3 passed" in stdout
