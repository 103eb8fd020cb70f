"""Run every benchmark and write benchmarks/RESULTS.md.

Usage: `python -m benchmarks.run [--quick]` (`make bench`, `make bench-quick`).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from importlib.metadata import version
from pathlib import Path

from . import bench_log_prob

BENCHMARKS = {"log_prob": bench_log_prob}


def _environment() -> str:
    packages = ["jax", "jaxlib", "equinox", "numpyro", "flowjax"]
    versions = ", ".join(f"{name} {version(name)}" for name in packages)
    malloc = {
        k: v for k, v in os.environ.items() if k.startswith(("MALLOC_", "GLIBC_"))
    }
    return (
        f"- date: {datetime.date.today()}\n"
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}\n"
        f"- python {platform.python_version()}; {versions}\n"
        f"- allocator environment: {malloc or 'glibc defaults'}\n"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).with_name("RESULTS.md")
    )
    args = parser.parse_args(argv)
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    sections = []
    for name, module in BENCHMARKS.items():
        print(f"running {name} ...", file=sys.stderr)
        sections.append(module.run(args.quick))
    text = (
        "# Benchmark results\n\n"
        f"Command: `{command}` (medians of interleaved runs in one process; ratios "
        "are what to compare).\n\n" + _environment() + "\n" + "\n".join(sections)
    )
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
