"""Interleaved median timing: every library measured in one process, after warm-up."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import jax

# Benchmark sizes: "full" (`make bench`), "quick" (`--quick`, < 2 minutes) and
# "smoke" (tests/test_benchmarks.py: tiny, only proves the scripts still run).
MODES = ("smoke", "quick", "full")


def _block(result):
    return jax.block_until_ready(result)


def compare(
    cases: dict[str, Callable[[], object]], repeats: int, warmup: int = 3
) -> dict[str, float]:
    """Median seconds per call of each case; cases run round-robin so that machine
    noise hits them alike (see ../shared/BENCHMARKING.md), in a new order each
    round (seeded), so that no case always runs right after the same other one:
    the call before leaves caches and the allocator in a state that shows in
    microsecond timings."""
    for fn in cases.values():
        for _ in range(warmup):
            _block(fn())
    names = list(cases)
    order = random.Random(0)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        order.shuffle(names)
        for name in names:
            start = time.perf_counter()
            _block(cases[name]())
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def format_seconds(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def table(
    title: str,
    medians: dict[str, float],
    reference: str,
    notes: dict[str, str] | None = None,
) -> str:
    """A Markdown table of medians and ratios to `reference` (+ optional notes)."""
    notes = notes or {}
    extra = " | note" if notes else ""
    lines = [
        f"### {title}",
        "",
        f"| implementation | median | ratio to {reference}{extra} |",
        "| --- | --- | ---" + (" | ---" if notes else "") + " |",
    ]
    for name, seconds in medians.items():
        ratio = seconds / medians[reference]
        note = f" | {notes.get(name, '')}" if notes else ""
        lines.append(f"| {name} | {format_seconds(seconds)} | {ratio:.2f}x{note} |")
    return "\n".join(lines) + "\n"
