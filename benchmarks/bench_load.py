"""Benchmark: perfscore's load engine against wrk, on a private single-worker nginx.

Starts its own nginx (one worker process, access log off, a 1 KiB static file) on two free loopback
ports, plain HTTP and HTTPS with a self-signed certificate generated here, then runs wrk and
`perfscore load` alternately (ROUNDS times each, the median kept; the first tool alternates; a run
with any error stops the benchmark; a saturated generator is the point of a maximum-rate test, not an
error) at 64 and 1,000 connections over HTTP and at 64 over HTTPS (wrk with -t2, its usual; perfscore
with its default number of processes: half the cores for a loopback target). For each tool it prints
requests/s and CPU-µs per request: the CPU of the whole process tree (user + system, from getrusage
of the finished child, perfscore's Python start-up of about 0.7 CPU-s included) divided by the
requests it completed. Then the generator's peak RSS after N1 and after N2 requests at a fixed rate
(open model): latencies go straight into HDR histograms, so the two should differ by < 10 %.

    .venv/bin/python benchmarks/bench_load.py                   # everything (about 12 minutes)
    .venv/bin/python benchmarks/bench_load.py --seconds 5 --rounds 3 --no-memory
    .venv/bin/python benchmarks/bench_load.py --only-memory --n1 1000000 --n2 10000000 --rate 25000

Needs wrk and nginx (Debian packages `wrk`, `nginx`) and openssl. perfscore verifies the certificate
(SSL_CERT_FILE points at the generated one); wrk does not verify certificates at all.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

NGINX_CONF = """
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{http} backlog=4096;
        root {d}/www;
    }}
    server {{
        listen 127.0.0.1:{https} ssl backlog=4096;
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        root {d}/www;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def private_nginx() -> Iterator[tuple[str, str, Path]]:
    """A single-worker nginx serving /bench.css over HTTP and HTTPS; yields both URLs and the cert."""
    d = Path(tempfile.mkdtemp(prefix="perfscore-bench-"))
    d.chmod(0o755)
    (d / "www").mkdir()
    (d / "www" / "bench.css").write_text(("body { margin: 0 }\n" * 54)[:1024])
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    http, https = free_port(), free_port()
    (d / "nginx.conf").write_text(NGINX_CONF.format(d=d, http=http, https=https))
    proc = subprocess.Popen(["nginx", "-c", str(d / "nginx.conf"), "-p", str(d), "-g", "daemon off;"])
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", https), timeout=0.2):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{http}/bench.css", f"https://127.0.0.1:{https}/bench.css", d / "cert.pem"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(d, ignore_errors=True)


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_wrk(url: str, connections: int, seconds: int) -> tuple[float, float]:
    """(requests/s, CPU-µs per request) of one wrk run."""
    cpu0 = children_cpu()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout
    cpu = children_cpu() - cpu0
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    assert rps and total, out
    if "Non-2xx" in out or "Socket errors" in out:  # a rate of failures is no rate to compare
        sys.exit(f"wrk saw errors against {url}:\n{out}")
    return float(rps.group(1)), cpu / int(total.group(1)) * 1e6


def run_perfscore(url: str, connections: int, seconds: int, env: dict[str, str]) -> tuple[float, float, int]:
    """(requests/s, CPU-µs per request) of one `perfscore load` run (its worker processes included)."""
    cpu0 = children_cpu()
    out = subprocess.run(
        [
            sys.executable, "-m", "perfscore", "load", url, "-c", str(connections), "-d", f"{seconds}s",
            "--warmup", "0", "--format", "json", "-q",
        ],
        capture_output=True,
        text=True,
        env=env,
    )  # fmt: skip
    cpu = children_cpu() - cpu0
    if out.returncode not in (0, 1):
        sys.exit(f"perfscore load failed ({out.returncode}): {out.stderr.strip()}")
    result = json.loads(out.stdout)
    if result["errors"] or result.get("local_errors"):  # saturation is expected here: it is a maximum-rate test
        sys.exit(f"perfscore load saw {result['errors']} errors: {result['notes']}")
    return float(result["rps"]), cpu / max(1, int(result["requests"])) * 1e6, int(result["generator"]["workers"])


def compare(name: str, url: str, connections: int, seconds: int, rounds: int, env: dict[str, str]) -> None:
    wrk: list[tuple[float, float]] = []
    ours: list[tuple[float, float, int]] = []
    for i in range(rounds):  # alternating, and which goes first alternates too
        if i % 2:
            ours.append(run_perfscore(url, connections, seconds, env))
            wrk.append(run_wrk(url, connections, seconds))
        else:
            wrk.append(run_wrk(url, connections, seconds))
            ours.append(run_perfscore(url, connections, seconds, env))
        print(
            f"  {name} -c {connections} round {i + 1}: wrk {wrk[-1][0]:,.0f} req/s ({wrk[-1][1]:.1f} CPU-µs/req), "
            f"perfscore ({ours[-1][2]} process) {ours[-1][0]:,.0f} req/s ({ours[-1][1]:.1f} CPU-µs/req)",
            flush=True,
        )
    w, p = statistics.median(r for r, _ in wrk), statistics.median(r[0] for r in ours)
    wc, pc = statistics.median(c for _, c in wrk), statistics.median(r[1] for r in ours)
    print(
        f"{name:5} -c {connections:<5} median of {rounds}: wrk {w:>9,.0f} req/s {wc:6.1f} CPU-µs/req | "
        f"perfscore {p:>9,.0f} req/s {pc:6.1f} CPU-µs/req | ratio {p / w:.2f}",
        flush=True,
    )


def peak_rss_mb(url: str, n: int, rate: int) -> tuple[float, int, float]:
    import psutil

    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfscore", "load", url, "-n", str(n), "--rate", str(rate), "-c", "64", "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ps, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True)))
        time.sleep(0.2)
    out = proc.communicate()[0]
    return peak / 2**20, int(json.loads(out)["requests"]), time.monotonic() - started


def memory(url: str, n1: int, n2: int, rate: int) -> None:
    results = []
    for n in (n1, n2):
        mb, done, took = peak_rss_mb(url, n, rate)
        results.append(mb)
        print(f"perfscore load -n {n:,} --rate {rate:,}: {done:,} requests in {took:,.0f} s, peak RSS {mb:,.1f} MB")
    a, b = results
    print(f"peak RSS grew {100 * (b - a) / a:+.1f} % from {n1:,} to {n2:,} requests (goal < 10 %)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true", help="skip the RSS measurement")
    ap.add_argument("--only-memory", action="store_true", help="only the RSS measurement")
    ap.add_argument("--n1", type=int, default=1_000_000)
    ap.add_argument("--n2", type=int, default=10_000_000)
    ap.add_argument("--rate", type=int, default=25_000)
    args = ap.parse_args()
    for tool in ("wrk", "nginx", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed: apt-get install -y {tool}")
    with private_nginx() as (http, https, cert):
        env = {**os.environ, "SSL_CERT_FILE": str(cert)}
        print(f"private nginx (1 worker): {http} and {https}; {os.cpu_count()} CPUs", flush=True)
        if not args.only_memory:
            for name, url, conns in (("HTTP", http, 64), ("HTTP", http, 1000), ("HTTPS", https, 64)):
                compare(name, url, conns, args.seconds, args.rounds, env)
        if not args.no_memory:
            memory(http, args.n1, args.n2, args.rate)


if __name__ == "__main__":
    main()
