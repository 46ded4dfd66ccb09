"""Faults: unreachable targets, servers that never answer, wrong passwords, a server dying mid-audit, secrets."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import NO_RAMP, REPO, perfscore
from tests.load.fixtures import free_port
from tests.stack.fixtures import BASE, PORTS

pytestmark = pytest.mark.slow

SECRETS = REPO / ".stack" / "secrets"


def test_nothing_reachable_exits_3_quickly(tmp_path: Path) -> None:
    ports = [free_port() for _ in range(3)]
    history = tmp_path / "history.sqlite"
    t0 = time.monotonic()
    res = perfscore(
        "audit",
        "--history",
        str(history),
        "--url",
        f"http://127.0.0.1:{ports[0]}",
        "--mysql",
        f"mysql://u:p@127.0.0.1:{ports[1]}/x",
        "--redis",
        f"redis://127.0.0.1:{ports[2]}/0",
        "--duration",
        "1",
    )
    elapsed = time.monotonic() - t0
    assert res.code == 3, res.err
    assert elapsed < 60
    assert "Traceback" not in res.err
    for probe in ("mysql", "redis", "monitoring", "assets", "errors"):
        assert f"{probe}: unavailable" in res.err, probe
    assert "refused" in res.err
    # Decided before the history is written: an audit that reached nothing is not a point on the trend.
    assert "not recorded in the history" in res.err
    assert not history.exists()


@pytest.mark.server
def test_servers_that_never_answer_cost_bounded_time(server: Callable[[str, str], int], tmp_path: Path) -> None:
    http, db, cache = (server("silent", "") for _ in range(3))
    cfg = tmp_path / "p.yaml"
    cfg.write_text(
        f"target: {{base_url: 'http://127.0.0.1:{http}'}}\n"
        f"mysql: {{host: 127.0.0.1, port: {db}, connect_timeout_s: 2}}\n"
        f"redis: {{url: 'redis://127.0.0.1:{cache}/0', timeout_s: 2}}\n"
        "audit: {duration_s: 1, probe_timeout_s: 2, load: {scalability: false}}\n"
    )
    t0 = time.monotonic()
    res = perfscore("audit", "--config", str(cfg), timeout=120)
    assert time.monotonic() - t0 < 60
    assert res.code == 3, res.err
    assert "timeout" in res.err.lower()
    assert "Traceback" not in res.err


@pytest.mark.stack
@pytest.mark.untimed
def test_wrong_passwords_are_access_denied(stack: Path) -> None:
    res = perfscore(
        "audit",
        "--mysql",
        f"mysql://perfscore:wrong-password@127.0.0.1:{PORTS['mysql']}/loanflow",
        "--redis",
        f"redis://:wrong-password@127.0.0.1:{PORTS['redis']}/0",
        "--duration",
        "1",
        "--format",
        "json",
    )
    assert res.code == 3, res.err
    doc = json.loads(res.out)
    reasons = {n["metric"]: n["reason"] for n in doc["not_measured"]}
    assert "access denied" in reasons["mysql.innodb_read_efficiency"]
    assert "access denied" in reasons["redis.hit_ratio"]
    assert "wrong-password" not in res.out + res.err


@pytest.mark.stack
@pytest.mark.untimed
def test_secrets_appear_nowhere(stack: Path, tmp_path: Path) -> None:
    mysql_pw = (SECRETS / "mysql-perfscore.pw").read_text().strip()
    redis_pw = (SECRETS / "redis.pw").read_text().strip()
    run, out = tmp_path / "run.json", tmp_path / "result.json"
    res = perfscore(
        "audit",
        "--url",
        BASE,
        "--mysql",
        f"mysql://perfscore:{mysql_pw}@127.0.0.1:{PORTS['mysql']}/loanflow",
        "--redis",
        f"redis://:{redis_pw}@127.0.0.1:{PORTS['redis']}/0",
        "--duration",
        "2",
        "--config",
        str(NO_RAMP),
        "--save-run",
        str(run),
        "--format",
        "json",
        "--output",
        str(out),
    )
    assert res.code in (0, 1), res.err
    doc = json.loads(out.read_text())
    assert any(m["status"] == "measured" for c in doc["categories"] for m in c["metrics"] if c["id"] == "database")
    assert any(m["status"] == "measured" for c in doc["categories"] for m in c["metrics"] if c["id"] == "caching")
    for text in (res.out, res.err, run.read_text(), out.read_text()):
        assert mysql_pw not in text and redis_pw not in text
    terminal = perfscore("score", str(run))
    assert mysql_pw not in terminal.out and redis_pw not in terminal.out


def _listening(port: int, proc: subprocess.Popen[bytes], deadline_s: float = 10) -> bool:
    """Wait (with a deadline) until ``proc`` listens on ``port``; False when it exited (the port was taken)."""
    import socket

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


@pytest.fixture
def own_redis() -> Callable[[], tuple[int, subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> tuple[int, subprocess.Popen[bytes]]:
        # redis-server cannot report a port 0 it bound: a free port is picked, and picked again when another
        # process took it before redis-server could bind it (redis-server then exits).
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        for _ in range(5):
            port = free_port()
            p = subprocess.Popen(
                [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(p)
            if _listening(port, p):
                return port, p
        raise RuntimeError("redis-server did not start")

    yield start
    for p in procs:
        p.kill()
        p.wait()


@pytest.mark.server
@pytest.mark.e2e
def test_redis_stopped_mid_audit_completes(own_redis, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import redis

    port, proc = own_redis()
    client = redis.Redis(port=port)
    client.set("k", "v")
    for key in ("k", "k", "missing"):  # lifetime counters: 2 hits, 1 miss
        client.get(key)
    client.close()
    out = tmp_path / "r.json"
    audit = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perfscore",
            "audit",
            "--redis",
            f"redis://127.0.0.1:{port}/0",
            "--duration",
            "4",
            "--format",
            "json",
            "--output",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert audit.stderr is not None
    seen = []
    for line in audit.stderr:  # the window starts once every gatherer has taken its first sample
        seen.append(line)
        if "window:" in line:
            break
    assert any("window:" in line for line in seen), seen
    proc.kill()  # mid-window: the start sample exists, the end sample cannot be taken
    proc.wait()
    _, rest = audit.communicate(timeout=60)
    err = "".join(seen) + rest
    assert audit.returncode in (0, 1), err
    assert "Traceback" not in err
    doc = json.loads(out.read_text())
    metrics = {m["id"]: m for c in doc["categories"] for m in c["metrics"]}
    hit = metrics["redis.hit_ratio"]
    # No end sample, no window figure: the start's lifetime ratio is evidence, never scored.
    assert hit["status"] == "unavailable" and "Redis unavailable at the end of the window" in hit["reason"], hit
    assert hit["evidence"]["lifetime"]["ratio"] == pytest.approx(2 / 3, abs=1e-4), hit
    assert metrics["redis.latency_monitor"]["status"] == "unavailable"


@pytest.mark.server
def test_known_hit_ratio_is_measured_within_1_5_points(own_redis, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import threading

    import redis

    port, _ = own_redis()
    client = redis.Redis(port=port)
    for i in range(70):
        client.set(f"k{i}", "v")
    stop = threading.Event()

    def traffic() -> None:
        c = redis.Redis(port=port)
        i = 0
        while not stop.is_set():
            c.get(f"k{i % 100}")  # keys 0..69 exist: a 70 % hit ratio
            i += 1

    t = threading.Thread(target=traffic, daemon=True)
    t.start()
    try:
        res = perfscore("audit", "--redis", f"redis://127.0.0.1:{port}/0", "--duration", "3", "--format", "json")
    finally:
        stop.set()
        t.join(5)
    doc = json.loads(res.out)
    hit = next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == "redis.hit_ratio")
    assert hit["status"] == "measured" and hit["evidence"]["scope"] == "window"
    assert abs(hit["value"] * 100 - 70.0) <= 1.5, hit["value"]


@pytest.mark.server
def test_an_unreachable_database_is_a_partial_audit_exit_3_unless_allowed(own_redis, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 26: a configured component that cannot be reached leads the scorecard, and the exit code says
    so; the cache answers, so the audit is partial, not empty."""
    port, _ = own_redis()
    args = ["audit", "--redis", f"redis://127.0.0.1:{port}/0", "--mysql", f"mysql://u:p@127.0.0.1:{free_port()}/x"]
    args += ["--duration", "0.5", "-f", "json", "--no-history"]
    res = perfscore(*args)
    assert res.code == 3, res.err
    assert "mysql could not be measured" in res.err and "--allow-partial" in res.err, res.err
    assert "redis could not be measured" not in res.err  # it answered
    doc = json.loads(res.out)  # the report is still written
    assert doc["verdict"][0].startswith("mysql could not be measured ("), doc["verdict"]
    allowed = perfscore(*args, "--allow-partial")
    assert allowed.code in (0, 1), allowed.err
    config = tmp_path / "perfscore.yaml"
    config.write_text(
        f"target: {{name: partial}}\nredis: {{url: 'redis://127.0.0.1:{port}/0'}}\n"
        f"mysql: {{port: {free_port()}, password_env: NOPE_PW}}\n"
        "audit: {duration_s: 0.5, allow_partial: true}\n"
    )
    by_config = perfscore("audit", "--config", str(config), "-f", "json", "--no-history", env={"NOPE_PW": "x"})
    assert by_config.code in (0, 1), by_config.err
    assert json.loads(by_config.out)["verdict"][0].startswith("mysql could not be measured"), by_config.out[:300]


@pytest.mark.server
def test_repeated_runs_keep_the_median(own_redis) -> None:  # type: ignore[no-untyped-def]
    port, _ = own_redis()
    res = perfscore(
        "audit",
        "--redis",
        f"redis://127.0.0.1:{port}/0",
        "--duration",
        "0.5",
        "--runs",
        "3",
        "--aggregate",
        "median",
        "--format",
        "json",
    )
    assert res.code in (0, 1), res.err
    assert "kept the median of 3 runs" in res.err
    assert_clean = perfscore("audit", "--redis", f"redis://127.0.0.1:{port}/0", "--aggregate", "mean")
    assert assert_clean.code == 2 and "median, best or worst" in assert_clean.err


@pytest.mark.server
@pytest.mark.parametrize("mode", ["same", "garbage", "liar"])
def test_new_checks_give_reasons_not_crashes_against_strangers(server: Callable[[str, str], int], mode: str) -> None:
    """A catch-all site, a server that is not HTTP, one that lies in its headers: every figure is measured or
    says why, and none is an audit's own failure."""
    port = server(mode, "")
    res = perfscore("audit", "--config", str(NO_RAMP), "--url", f"http://127.0.0.1:{port}/", "-d", "1", "-f", "json")
    assert res.code in (0, 1, 3), res.err
    assert "Traceback" not in res.err
    if mode == "garbage":
        assert res.code == 3, res.err  # nothing spoke HTTP: nothing reachable
        return
    metrics = {m["id"]: m for c in json.loads(res.out)["categories"] for m in c["metrics"]}
    assert not [k for k, m in metrics.items() if (m["reason"] or "").startswith("audit failed")], metrics
    new = ("http.text_compression", "http.page_weight", "http.page_cache", "host.cpu_utilisation", "php.opcache")
    for mid in new:
        m = metrics[mid]
        assert m["status"] == "measured" or m["reason"], m
    if mode == "same":  # a small catch-all page: nothing to compress, no cache header
        assert metrics["http.text_compression"]["status"] == "not_applicable", metrics["http.text_compression"]
        # the same small page on every request, no cookie: cacheable, and fast (a few ms to gain at most)
        assert metrics["http.page_cache"]["status"] == "measured" and metrics["http.page_cache"]["value"] < 100
        # It answers 200 with the same page for every path: no false exposure finding.
        found = metrics["http.no_exposed_files"]
        assert found["status"] == "measured" and found["value"] is True, found
        assert found["evidence"]["fallback_status"] == 200 and found["evidence"]["exposed"] == []
    else:  # the liar's headers are its word: a "HIT" is reported as said, a negative Age is no hit
        assert metrics["http.page_cache"]["status"] == "not_applicable", metrics["http.page_cache"]
        assert "a page cache answers" in metrics["http.page_cache"]["reason"]
        assert metrics["http.page_weight"]["status"] == "measured" and metrics["http.page_weight"]["value"] > 2


def test_a_port_where_nothing_listens_gets_no_figure_of_this_machines_processes() -> None:
    """Issue 24: an ad-hoc audit of a dead port once scored this machine's own PHP-FPM memory (88.89)."""
    res = perfscore("audit", "--url", f"http://127.0.0.1:{free_port()}/", "-d", "1", "-f", "json", "--no-history")
    assert res.code == 3, res.err
    reasons = {n["metric"]: n["reason"] for n in json.loads(res.out)["not_measured"]}
    for mid in ("php.worker_rss_mean", "php.worker_memory_growth", "host.cpu_utilisation"):
        assert "nothing listens on port" in reasons[mid], (mid, reasons.get(mid))
    measured = [m["id"] for c in json.loads(res.out)["categories"] for m in c["metrics"] if m["status"] == "measured"]
    assert not [m for m in measured if m.startswith(("php.", "host."))], measured
