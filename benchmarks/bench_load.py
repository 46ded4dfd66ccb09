"""Benchmark: perfscore's load engine against wrk on the same local nginx.

Runs wrk and `perfscore load` alternately (ROUNDS times each) against the
reference stack's nginx serving a static file, 64 connections, and prints
both request rates and their ratio (goal: perfscore >= 0.8x wrk).

    make stack-up && .venv/bin/python benchmarks/bench_load.py [URL] [SECONDS]

Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

HTTP_PORT = tomllib.loads((Path(__file__).parent.parent / "stack" / "settings.toml").read_text())["ports"]["http"]
URL = sys.argv[1] if len(sys.argv) > 1 else f"http://127.0.0.1:{HTTP_PORT}/static/app.css"
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
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


def main() -> None:
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
