"""Import time beyond `import jax`, each in fresh interpreters (median of several)."""

from __future__ import annotations

import statistics
import subprocess
import sys

from ._timing import format_seconds

_SNIPPET = (
    "import time, jax; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
)

STATEMENTS = {
    "equinox (alone)": "import equinox",
    "eqdist": "import eqdist",
    "eqdist + eqdist.flows": "import eqdist, eqdist.flows",
    "numpyro.distributions": "import numpyro.distributions",
    "flowjax.distributions + flowjax.flows": (
        "import flowjax.distributions, flowjax.flows"
    ),
}


def import_seconds(stmt: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", _SNIPPET.format(stmt=stmt)],
            capture_output=True,
            text=True,
            check=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def run(mode: str) -> str:
    repeats = {"smoke": 1, "quick": 1, "full": 5}[mode]
    statements = STATEMENTS if mode != "smoke" else {"eqdist": "import eqdist"}
    lines = [
        f"### Import time beyond `import jax` (fresh interpreters, median of {repeats})",
        "",
        "| import | median |",
        "| --- | --- |",
    ]
    # Interleave the statements so machine noise hits them alike.
    times = {name: [] for name in statements}
    for _ in range(repeats):
        for name, stmt in statements.items():
            times[name].append(import_seconds(stmt, 1))
    for name in statements:
        lines.append(f"| {name} | {format_seconds(statistics.median(times[name]))} |")
    return "\n".join(lines) + "\n"
