"""Where the import time of every eqdist name goes (a diagnostic, not a benchmark row).

    python -m benchmarks.import_breakdown [repeats]

Each fresh interpreter imports jax, times `import equinox`, then loads every name of
eqdist and eqdist.transforms (the statement of bench_import.py) while charging each
moment to exactly one bucket: a full or a young garbage collection (`gc.callbacks`),
Equinox's per-class work (its metaclass, and within it the flatten/unflatten
functions it generates and compiles for each class), reading and unmarshalling
bytecode, the body of an eqdist module, the body of another module loaded on the way
(jax.scipy.*), and the rest (the import system, eqdist's lazy `__getattr__`). The
buckets are exclusive, so they add up to the total. The timers wrap Equinox's
private `_ModuleMeta.__new__` and `generate_flatten_functions` (equinox 0.13) and
cost a few percent; compare the total with bench_import.py's row.
"""

from __future__ import annotations

import ast
import statistics
import subprocess
import sys

from .bench_import import _EVERY_NAME, _environment

_CHILD = r"""
import gc, time, jax
start = time.perf_counter()
import equinox
equinox_seconds = time.perf_counter() - start
import importlib._bootstrap_external as external
from equinox._module import _module

buckets = {}
stack = ["import system, lazy loader"]
mark = [time.perf_counter()]
classes = [0]

def push(bucket):
    now = time.perf_counter()
    buckets[stack[-1]] = buckets.get(stack[-1], 0.0) + now - mark[0]
    mark[0] = now
    stack.append(bucket)

def pop():
    now = time.perf_counter()
    buckets[stack[-1]] = buckets.get(stack[-1], 0.0) + now - mark[0]
    mark[0] = now
    stack.pop()

def timed(bucket, fn):
    def wrapper(*args, **kwargs):
        push(bucket)
        try:
            return fn(*args, **kwargs)
        finally:
            pop()
    return wrapper

def on_gc(phase, info):
    if phase == "start":
        push("gc: full pass" if info["generation"] == 2 else "gc: young")
    else:
        pop()

new = _module._ModuleMeta.__new__
def counted_new(*args, **kwargs):
    classes[0] += 1
    return new(*args, **kwargs)
_module._ModuleMeta.__new__ = timed(
    "equinox per class: the rest of its metaclass", counted_new
)
_module.generate_flatten_functions = timed(
    "equinox per class: compiling flatten/unflatten",
    _module.generate_flatten_functions,
)
get_code = external.SourceLoader.get_code
external.SourceLoader.get_code = timed("reading + unmarshalling bytecode", get_code)
exec_module = external.SourceFileLoader.exec_module
def timed_exec(loader, module):
    own = module.__name__.split(".")[0] == "eqdist"
    push("eqdist module bodies" if own else "other module bodies (jax.scipy...)")
    try:
        return exec_module(loader, module)
    finally:
        pop()
external.SourceFileLoader.exec_module = timed_exec

gc.callbacks.append(on_gc)
mark[0] = start = time.perf_counter()
{stmt}
pop()
total = time.perf_counter() - start
gc.callbacks.remove(on_gc)
buckets["total"] = total
buckets["equinox (alone)"] = equinox_seconds
buckets["classes"] = classes[0]
print(repr(buckets))
"""

_ORDER = [
    "equinox (alone)",
    "gc: full pass",
    "equinox per class: compiling flatten/unflatten",
    "equinox per class: the rest of its metaclass",
    "eqdist module bodies",
    "reading + unmarshalling bytecode",
    "other module bodies (jax.scipy...)",
    "gc: young",
    "import system, lazy loader",
]


def breakdown(repeats: int) -> str:
    env = _environment(compiled=True)
    code = _CHILD.replace("{stmt}", _EVERY_NAME)
    # One child first writes the bytecode (see bench_import.py).
    subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True
    )
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(ast.literal_eval(out.stdout.strip().splitlines()[-1]))
    classes = runs[0]["classes"]
    median = {
        key: statistics.median(run.get(key, 0.0) for run in runs) for key in _ORDER
    }
    total = statistics.median(run["total"] + run["equinox (alone)"] for run in runs)
    lines = [
        f"### Every name of eqdist and eqdist.transforms, beyond `import jax` "
        f"(median of {repeats} fresh interpreters; {classes} Equinox classes)",
        "",
        "| where | median |",
        "| --- | --- |",
    ]
    for key in _ORDER:
        label = key
        if key.startswith("equinox per class"):
            per = median[key] / classes * 1e3
            label = f"{key} ({per:.2f} ms per class)"
        lines.append(f"| {label} | {median[key] * 1e3:.1f} ms |")
    lines.append(f"| **total** | **{total * 1e3:.1f} ms** |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(breakdown(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
