"""Benchmark: perfscore's load engine against wrk on the same local nginx.

Runs wrk and `perfscore load` alternately (ROUNDS times each) against the
reference stack's nginx serving a static file, 64 connections, and prints
both request rates and their ratio (goal: perfscore >= 0.8x wrk).

    make stack-up && .venv/bin/python benchmarks/bench_load.py [URL] [SECONDS]
    .venv/bin/python benchmarks/bench_load.py --memory [URL] [N1] [N2] [RATE]

Needs wrk (Debian package `wrk`). ``--memory`` prints the generator's peak RSS (all its processes) after
N1 and after N2 requests at a fixed rate (open model): with latencies recorded straight into HDR
histograms the two should differ by little (issue 13: < 10 %).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

HTTP_PORT = tomllib.loads((Path(__file__).parent.parent / "stack" / "settings.toml").read_text())["ports"]["http"]
URL = (
    sys.argv[1]
    if len(sys.argv) > 1 and not sys.argv[1].startswith("--")
    else f"http://127.0.0.1:{HTTP_PORT}/static/app.css"
)
URL_M = (
    sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--memory" else f"http://127.0.0.1:{HTTP_PORT}/static/app.css"
)
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] != "--memory" else 5
CONNECTIONS = 64
ROUNDS = 3


def wrk_rps() -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", URL], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


def perfscore_rps() -> float:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "perfscore",
            "load",
            URL,
            "-c",
            str(CONNECTIONS),
            "-d",
            str(SECONDS),
            "--warmup",
            "1",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(json.loads(out)["rps"])


def peak_rss_mb(n: int, rate: int) -> tuple[float, int]:
    import time

    import psutil

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perfscore",
            "load",
            URL_M,
            "-n",
            str(n),
            "--rate",
            str(rate),
            "-c",
            "64",
            "-f",
            "json",
            "-q",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    ps, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True)))
        time.sleep(0.1)
    out = proc.communicate()[0]
    return peak / 2**20, int(json.loads(out)["requests"])


def memory() -> None:
    n1, n2, rate = (int(a) for a in (sys.argv[3:6] + ["200000", "1000000", "20000"][len(sys.argv[3:6]) :]))
    results = [(n, *peak_rss_mb(n, rate)) for n in (n1, n2)]
    for n, mb, done in results:
        print(f"perfscore load -n {n:,} --rate {rate:,}: {done:,} requests, peak RSS {mb:,.1f} MB", flush=True)
    (_, a, _), (_, b, _) = results
    print(f"peak RSS grew {100 * (b - a) / a:+.1f} % from {n1:,} to {n2:,} requests (goal < 10 %)")


def main() -> None:
    if "--memory" in sys.argv:
        memory()
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    wrk, ours = [], []
    for i in range(ROUNDS):
        wrk.append(wrk_rps())
        ours.append(perfscore_rps())
        print(f"round {i + 1}: wrk {wrk[-1]:,.0f} req/s, perfscore {ours[-1]:,.0f} req/s", flush=True)
    w, p = statistics.median(wrk), statistics.median(ours)
    print(f"median of {ROUNDS}: wrk {w:,.0f} req/s, perfscore load {p:,.0f} req/s, ratio {p / w:.2f} (goal >= 0.80)")


if __name__ == "__main__":
    main()
