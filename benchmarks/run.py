"""Run every benchmark and write benchmarks/RESULTS.md.

Usage: `python -m benchmarks.run [--quick | --smoke] [--output PATH]`
(`make bench`, `make bench-quick`).

By default the suite re-runs itself in a child process with the tuned allocator
environment (`TUNED_ENV`: large XLA buffers stay in the heap instead of being returned
to the OS on every call, and huge pages make the process-to-process speed steady; see
shared/BENCHMARKING.md). `--allocator inherit` measures in the current environment. The
full run also repeats the large-array log_prob section once under glibc's defaults so
both are on record. A hand-written summary between `SUMMARY_BEGIN` and `SUMMARY_END` in
the output file is carried over into the new file, so re-measuring never deletes the
analysis (it then describes the recorded run, whose date it names).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from . import bench_eager, bench_flows, bench_import, bench_jit_log_prob, bench_sampling

BENCHMARKS = {
    "eager construct + log_prob": bench_eager,
    "jitted log_prob": bench_jit_log_prob,
    "jitted sampling": bench_sampling,
    "flow train step and compile time": bench_flows,
    "import time": bench_import,
}

TUNED_ENV = {
    "MALLOC_MMAP_THRESHOLD_": "1073741824",
    "MALLOC_TRIM_THRESHOLD_": "4294967295",
    "MALLOC_ARENA_MAX": "1",
    "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1",
}


SUMMARY_BEGIN = "<!-- summary: written by hand, kept by benchmarks/run.py -->"
SUMMARY_END = "<!-- end of summary -->"


def _kept_summary(path: Path) -> str:
    """The hand-written summary block of an existing results file, or ''."""
    if not path.exists():
        return ""
    text = path.read_text()
    begin, end = text.find(SUMMARY_BEGIN), text.find(SUMMARY_END)
    if begin < 0 or end < begin:
        return ""
    return text[begin : end + len(SUMMARY_END)] + "\n\n"


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n.a."


def _environment() -> str:
    packages = ["jax", "jaxlib", "equinox", "numpyro", "flowjax", "optax"]
    versions = ", ".join(f"{name} {version(name)}" for name in packages)
    malloc = {
        k: v for k, v in os.environ.items() if k.startswith(("MALLOC_", "GLIBC_"))
    }
    return (
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}\n"
        f"- python {platform.python_version()}; {versions}\n"
        f"- allocator environment: {malloc or 'glibc defaults'}\n"
        f"- load average (1/5/15 min) at start: {_load()}\n"
    )


def _section_in_child(module: str, mode: str, env: dict[str, str]) -> str:
    """One benchmark module's `run(mode)` in a fresh interpreter with `env`."""
    code = f"from benchmarks import {module}; print({module}.run({mode!r}))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).parent.parent,
    )
    return out.stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="< 2 minutes")
    size.add_argument("--smoke", action="store_true", help="tiny; for the test suite")
    parser.add_argument(
        "--allocator",
        choices=("tuned", "inherit"),
        default="tuned",
        help="re-run in a child with the tuned allocator environment (default)",
    )
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).with_name("RESULTS.md")
    )
    args = parser.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    if args.allocator == "tuned" and any(
        os.environ.get(k) != v for k, v in TUNED_ENV.items()
    ):
        argv = sys.argv[1:] if argv is None else list(argv)
        env = {**os.environ, **TUNED_ENV}
        raise SystemExit(
            subprocess.call([sys.executable, "-m", "benchmarks.run", *argv], env=env)
        )
    command = "python -m benchmarks.run" + {
        "smoke": " --smoke",
        "quick": " --quick",
    }.get(mode, "")
    started = time.perf_counter()
    environment = _environment()
    sections = []
    for name, module in BENCHMARKS.items():
        print(f"running {name} ...", file=sys.stderr, end=" ", flush=True)
        t0 = time.perf_counter()
        sections.append(f"## {name}\n\n" + module.run(mode))
        print(f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if mode == "full":
        print("running jitted log_prob under glibc defaults ...", file=sys.stderr)
        default_env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))
        }
        sections.append(
            "## jitted log_prob again, glibc allocator defaults (fresh process, "
            "no MALLOC_*/GLIBC_TUNABLES)\n\n"
            + _section_in_child("bench_jit_log_prob", mode, default_env)
        )
    elapsed = time.perf_counter() - started
    text = (
        "# Benchmark results\n\n"
        f"Command: `{command}` (medians of interleaved runs in one process; ratios "
        "are what to compare).\n\n"
        + environment
        + f"- load average at end: {_load()}; wall time {elapsed:.0f} s\n\n"
        + _kept_summary(args.output)
        + "\n".join(sections)
    )
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
