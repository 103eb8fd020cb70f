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

The "full gc" column is the part of the wall time spent in full (generation-2) garbage
collections, timed in the child with `gc.callbacks`. Such a pass walks every tracked
object, jax's ~90 000 included, so it costs ~50 ms wherever it lands. When one lands
inside the measured statement is decided by CPython's allocation counters, not by how
much the statement itself costs: `import equinox` alone leaves them a few thousand
allocations short of the next full pass, so whatever runs next pays it (a first
`eqdist.Normal`, `numpyro.distributions`, or a user's first `jax.jit` call: the two
"for scale" rows).
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
# import varies much less than the wall time. Then the wall seconds spent in full
# garbage collections and how many there were (the callback only reads the clock).
_SNIPPET = """
import gc, time, jax
full = [0.0, 0, 0.0]
def on_gc(phase, info):
    if info["generation"] == 2:
        if phase == "start":
            full[2] = time.perf_counter()
        else:
            full[0] += time.perf_counter() - full[2]
            full[1] += 1
gc.callbacks.append(on_gc)
t = time.perf_counter(); c = time.process_time()
{stmt}
print(time.perf_counter() - t, time.process_time() - c, full[0], full[1])
"""

_EVERY_NAME = "from eqdist import *; from eqdist.transforms import *"
_FIRST_JIT = "import jax.numpy as jnp; jax.jit(jnp.sin)(1.0).block_until_ready()"

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
    # Not imports: where the full gc pass lands when no eqdist name is loaded.
    "(for scale) a first `jax.jit` call": _FIRST_JIT,
    "(for scale) equinox, then a first `jax.jit` call": "import equinox; " + _FIRST_JIT,
}

# Where the children keep their bytecode between benchmark runs.
_PYCACHE = Path(tempfile.gettempdir()) / "eqdist-bench-pycache"


def _environment(compiled: bool) -> dict[str, str]:
    env = dict(os.environ)
    if compiled:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(_PYCACHE)
    return env


def import_seconds(stmt: str, env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall and CPU seconds `stmt` takes after `import jax` in a fresh interpreter,
    the wall seconds of full garbage collections within them, and their number."""
    out = subprocess.run(
        [sys.executable, "-c", _SNIPPET.format(stmt=stmt)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    wall, cpu, gc_wall, passes = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu), float(gc_wall), int(passes)


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
        "| import | median wall | median CPU | of which full gc (passes) "
        "| min wall | max wall |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in statements:
        walls, cpus, gc_walls, passes = zip(*times[name])
        low, high = min(passes), max(passes)
        counts = f"{low}" if low == high else f"{low}-{high}"
        full_gc = format_seconds(statistics.median(gc_walls)) if high else "none"
        cells = [
            format_seconds(statistics.median(walls)),
            format_seconds(statistics.median(cpus)),
            f"{full_gc} ({counts})",
            format_seconds(min(walls)),
            format_seconds(max(walls)),
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run(sys.argv[1] if len(sys.argv) > 1 else "quick"))
