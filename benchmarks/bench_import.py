"""Benchmark: `perfscore import jmeter` of synthetic CSV JTLs of growing size: peak RSS and rate.

Writes a JTL of each size (JMeter 2.13's columns with the header; 3 labels, 1 % failures, user levels
stepping 4 → 64) into a temporary directory, imports it with `perfscore import jmeter FILE -f json`, and
prints the peak RSS of the import (sampled every 0.1 s), its wall time and lines/s. Streaming with
every sample in HDR histograms, the peak RSS should not grow with the file.

    .venv/bin/python benchmarks/bench_import.py              # 100 MB and 1 GB (about 3 minutes)
    .venv/bin/python benchmarks/bench_import.py 50 500       # sizes in MB
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = (
    "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,"
    "URL,Latency\n"
)


def write_jtl(path: Path, megabytes: int) -> int:
    rng = random.Random(1)
    target = megabytes * 1_000_000
    t = 1_764_280_000_000
    lines = 0
    with path.open("w") as f:
        f.write(HEADER)
        written = len(HEADER)
        while written < target:
            chunk = []
            for _ in range(10_000):
                t += 1
                users = 4 * 2 ** min(4, lines // 2_000_000)
                el = int(rng.expovariate(1 / 40))
                ok = rng.random() > 0.01
                label = ("loan", "dashboard", "search")[lines % 3]
                message = "OK" if ok else "Internal Server Error"
                chunk.append(
                    f"{t},{el},{label},{200 if ok else 500},{message},g 1-{lines % users},"
                    f"text,{'true' if ok else 'false'},{1252 + lines % 7},{users},{users},"
                    f"http://127.0.0.1:8088/api/{label}/{lines % 9973},{el}\n"
                )
                lines += 1
            text = "".join(chunk)
            f.write(text)
            written += len(text)
    return lines


def peak_of(argv: list[str]) -> tuple[float, float, str]:
    """Run ``argv``: its peak RSS in MB (sampled every 0.1 s), its wall time in s, its stdout."""
    import psutil

    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ps, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, ps.memory_info().rss)
        time.sleep(0.1)
    out = proc.communicate()[0]
    return peak / 2**20, time.monotonic() - started, out


def import_peak(path: Path) -> tuple[float, float, int]:
    peak, took, out = peak_of([sys.executable, "-m", "perfscore", "import", "jmeter", str(path), "-f", "json", "-q"])
    doc = json.loads(out)
    requests = next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == "http.error_rate")
    return peak, took, int(requests["evidence"]["requests"])


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000]
    with tempfile.TemporaryDirectory(prefix="perfscore-bench-import-") as d:
        for mb in sizes:
            path = Path(d) / f"{mb}MB.jtl"
            lines = write_jtl(path, mb)
            peak, took, requests = import_peak(path)
            print(
                f"{path.stat().st_size / 1e6:,.0f} MB JTL, {lines:,} samples: imported {requests:,} in {took:,.1f} s "
                f"({requests / took:,.0f} samples/s), peak RSS {peak:,.1f} MB",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
