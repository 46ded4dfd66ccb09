"""Benchmark: `perfscore field` over synthetic nginx access logs of growing size: peak RSS and lines/s.

Writes a log of each size in the `timed` format (combined + $request_time $upstream_response_time; 40
routes with numeric ids, 1 % 5xx, a bot and a health check now and then) into a temporary directory, reads
it with `perfscore field FILE --log-format timed -f json -q`, and prints the peak RSS (sampled every
0.1 s), the wall time and lines/s. Streaming into HDR histograms, the peak RSS should not grow with the file.

    .venv/bin/python benchmarks/bench_field.py              # 100 MB and 1 GB (about 4 minutes)
    .venv/bin/python benchmarks/bench_field.py 50 500       # sizes in MB
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

UA = (
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "kube-probe/1.29",
)


def write_log(path: Path, megabytes: int) -> int:
    rng = random.Random(1)
    target = megabytes * 1_000_000
    t = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    lines = written = 0
    with path.open("w") as f:
        while written < target:
            chunk = []
            for _ in range(10_000):
                t += rng.expovariate(200)
                stamp = datetime.fromtimestamp(t, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
                rt = rng.expovariate(1 / 0.04)
                status = 500 if rng.random() < 0.01 else 200
                ua = UA[0] if lines % 97 else UA[1 + lines % 2]
                path_ = f"/api/r{lines % 40}/{lines % 9973}" if ua != UA[2] else "/health"
                chunk.append(
                    f'10.1.{lines % 200}.{lines % 250} - - [{stamp}] "GET {path_} HTTP/1.1" {status} 1523 "-" '
                    f'"{ua}" {rt:.3f} {rt * 0.9:.3f}\n'
                )
                lines += 1
            text = "".join(chunk)
            f.write(text)
            written += len(text)
    return lines


def field_peak(path: Path) -> tuple[float, float, int]:
    from bench_import import peak_of  # the same peak-RSS sampling as the import benchmark

    argv = [sys.executable, "-m", "perfscore", "field", str(path), "--log-format", "timed", "-f", "json", "-q"]
    peak, took, out = peak_of(argv)
    return peak, took, int(json.loads(out)["lines"])


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000]
    with tempfile.TemporaryDirectory(prefix="perfscore-bench-field-") as d:
        for mb in sizes:
            path = Path(d) / f"{mb}MB.log"
            lines = write_log(path, mb)
            peak, took, read = field_peak(path)
            print(
                f"{path.stat().st_size / 1e6:,.0f} MB access log, {lines:,} lines: read {read:,} in {took:,.1f} s "
                f"({read / took:,.0f} lines/s), peak RSS {peak:,.1f} MB",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
