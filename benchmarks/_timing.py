"""Interleaved median timing: every library measured in one process, after warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import jax


def _block(result):
    return jax.block_until_ready(result)


def compare(
    cases: dict[str, Callable[[], object]], repeats: int, warmup: int = 3
) -> dict[str, float]:
    """Median seconds per call of each case; cases run round-robin so that machine
    noise hits them alike (see ../shared/BENCHMARKING.md)."""
    for fn in cases.values():
        for _ in range(warmup):
            _block(fn())
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            start = time.perf_counter()
            _block(fn())
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def table(title: str, medians: dict[str, float], reference: str) -> str:
    """A Markdown table of medians and ratios to `reference`."""
    lines = [
        f"### {title}",
        "",
        f"| implementation | median | ratio to {reference} |",
        "| --- | --- | --- |",
    ]
    for name, seconds in medians.items():
        ratio = seconds / medians[reference]
        lines.append(f"| {name} | {seconds * 1e6:.1f} µs | {ratio:.2f}x |")
    return "\n".join(lines) + "\n"
