"""Import time beyond `import jax`, each in fresh interpreters (median of several).

eqdist's names load lazily (eqdist/_lazy.py), so `import eqdist` alone costs almost
nothing; the rows that touch one name or every name show what a program pays on first
use, which is what compares with `import numpyro.distributions` (eager).

Every interpreter reads compiled bytecode: a pip install writes `.pyc` files for
site-packages, but this repository is imported from source and the environment may
set PYTHONDONTWRITEBYTECODE, which would charge eqdist alone for compiling its
sources on every run. So the children get a private PYTHONPYCACHEPREFIX, filled by
one warm-up import of every statement (`--smoke` keeps the environment as it is).
Compare rows of one table only: they are interleaved, so machine load hits them alike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from ._timing import format_seconds

# Wall and CPU seconds: on a loaded machine the CPU time of the (single-threaded)
# import varies much less than the wall time.
_SNIPPET = (
    "import time, jax; t = time.perf_counter(); c = time.process_time(); {stmt}; "
    "print(time.perf_counter() - t, time.process_time() - c)"
)

_EVERY_NAME = "from eqdist import *; from eqdist.transforms import *"

STATEMENTS = {
    "equinox (alone)": "import equinox",
    "eqdist (names load on first use)": "import eqdist",
    "eqdist + first use of one name (`eqdist.Normal`)": "import eqdist; eqdist.Normal",
    "eqdist + every name of eqdist and eqdist.transforms": _EVERY_NAME,
    "eqdist + every name, and eqdist.flows": (
        _EVERY_NAME + "; from eqdist.flows import *"
    ),
    "numpyro.distributions": "import numpyro.distributions",
    "flowjax.distributions + flowjax.flows": (
        "import flowjax.distributions, flowjax.flows"
    ),
}

# Where the children keep their bytecode between benchmark runs.
_PYCACHE = Path(tempfile.gettempdir()) / "eqdist-bench-pycache"


def _environment(compiled: bool) -> dict[str, str]:
    env = dict(os.environ)
    if compiled:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    return env


def import_seconds(stmt: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds `stmt` takes after `import jax`, in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _SNIPPET.format(stmt=stmt)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def run(mode: str) -> str:
    repeats = {"smoke": 1, "quick": 1, "full": 7}[mode]
    statements = STATEMENTS
    if mode == "smoke":
        statements = {
            name: STATEMENTS[name]
            for name in ("eqdist (names load on first use)", "equinox (alone)")
        }
    compiled = mode != "smoke"
    env = _environment(compiled)
    if compiled:  # one child imports everything once and writes its bytecode
        import_seconds("; ".join(statements.values()), env)
    # Interleave the statements so machine noise hits them alike.
    times = {name: [] for name in statements}
    for _ in range(repeats):
        for name, stmt in statements.items():
            times[name].append(import_seconds(stmt, env))
    source = "bytecode cached" if compiled else "environment as is"
    lines = [
        "### Import time beyond `import jax` "
        f"(fresh interpreters, {source}, interleaved, median of {repeats})",
        "",
        "| import | median wall | median CPU | min wall | max wall |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in statements:
        walls = [wall for wall, _ in times[name]]
        cpus = [cpu for _, cpu in times[name]]
        cells = [statistics.median(walls), statistics.median(cpus)]
        cells += [min(walls), max(walls)]
        lines.append(f"| {name} | " + " | ".join(map(format_seconds, cells)) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(sys.argv[1] if len(sys.argv) > 1 else "quick"))
