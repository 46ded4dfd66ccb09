"""Benchmark: `perfscore --help` start-up against a bare `python -c pass` (goal: < 250 ms more).

Run with `.venv/bin/python benchmarks/bench_startup.py`; prints the medians of 10 runs each.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def median_ms(cmd: list[str], n: int = 10) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    bare = median_ms([sys.executable, "-c", "pass"])
    helped = median_ms([sys.executable, "-m", "perfscore", "--help"])
    print(
        f"python -c pass: {bare:.0f} ms; perfscore --help: {helped:.0f} ms; "
        f"overhead {helped - bare:.0f} ms (goal: < 250 ms)"
    )


if __name__ == "__main__":
    main()
