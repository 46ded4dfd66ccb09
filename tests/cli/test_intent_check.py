"""Issue 24, items 5 and 6 against private servers: `init` infers Redis auth and leaves out the status pages
it cannot find; the audit asks no password of a Redis that wants none; `config check` names what fails."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import perfscore
from tests.hostile import servers
from tests.load.fixtures import free_port

pytestmark = pytest.mark.server

SECRET = "s3cret-Redis-pw"


def _listening(port: int, proc: subprocess.Popen[bytes], deadline_s: float = 10.0) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


@pytest.fixture
def redis_server() -> Iterator[Callable[[str | None], int]]:
    """A private redis-server, with ``requirepass`` when given one (redis cannot bind port 0: retried)."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(password: str | None = None) -> int:
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        for _ in range(5):
            port = free_port()
            args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            p = subprocess.Popen(
                [*args, *(["--requirepass", password] if password else [])],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(p)
            if _listening(port, p):
                return port
        raise RuntimeError("redis-server did not start")

    yield start
    for p in procs:
        p.kill()
        p.wait()


@pytest.fixture
def site() -> Iterator[int]:
    port, stop = servers.start("http-ok")
    yield port
    stop()


@pytest.fixture
def sleepers() -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Stand-in "masters": a process whose command line carries a tag a pattern can match."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(tag: str) -> subprocess.Popen[bytes]:
        p = subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(300)", tag])
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.kill()
        p.wait()


def test_init_writes_no_redis_password_for_a_redis_that_wants_none(
    redis_server: Callable[[str | None], int], site: int, tmp_path: Path
) -> None:
    port = redis_server(None)
    out = tmp_path / "perfscore.yaml"
    res = perfscore("init", str(out), "--redis-port", str(port), "--url", f"http://127.0.0.1:{site}")
    assert res.code == 0, res.err
    text = out.read_text()
    assert "PONG" in res.err
    assert "password_env: PERFSCORE_REDIS_PASSWORD" not in text and "PERFSCORE_REDIS_PASSWORD" not in res.out
    # No status page behind this site: left out with a note, not written for the audit to fail on.
    assert "  # fpm_status:" in text and "\n  fpm_status:" not in text and "  # opcache_status:" in text
    assert "replicas_expected: false" in text
    from perfscore.config import load_config

    cfg = load_config(out)
    assert cfg.redis is not None and cfg.redis.password_env is None and not cfg.mysql.replicas_expected  # type: ignore[union-attr]


def test_init_writes_the_password_variable_for_a_redis_that_answers_noauth(
    redis_server: Callable[[str | None], int], tmp_path: Path
) -> None:
    port = redis_server(SECRET)
    out = tmp_path / "perfscore.yaml"
    res = perfscore("init", str(out), "--redis-port", str(port), "--no-replicas")
    assert res.code == 0, res.err
    assert "NOAUTH" in res.err and "password_env: PERFSCORE_REDIS_PASSWORD" in out.read_text()
    assert "replicas_expected: false  # as told" in out.read_text()


def _audit_redis(tmp_path: Path, port: int, env: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    cfg = tmp_path / "a.yaml"
    cfg.write_text(
        f"redis: {{url: 'redis://127.0.0.1:{port}/0', password_env: PERFSCORE_TEST_REDIS_PW}}\n"
        "processes: null\nmonitoring: null\n"
        "audit: {duration_s: 0.5, probe_timeout_s: 5, load: {scalability: false}}\n"
    )
    run = tmp_path / "run.json"
    res = perfscore("audit", "--config", str(cfg), "--save-run", str(run), "--no-history", "-f", "json", env=env)
    assert "Traceback" not in res.err and SECRET not in res.err + res.out
    if not run.exists():
        return res.code, {}
    doc = json.loads(run.read_text())
    said = {p["name"]: f"{p['status']}: {p.get('message')}" for p in doc["probes"]}
    if doc["artifacts"].get("redis") is not None:
        said["redis"] = "answered"  # INFO was read (an idle Redis measures little, but it answered)
    return res.code, said


def test_the_audit_demands_no_password_of_a_redis_without_one(
    redis_server: Callable[[str | None], int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PERFSCORE_TEST_REDIS_PW", raising=False)
    code, probes = _audit_redis(tmp_path, redis_server(None))
    assert code != 2 and probes["redis"] == "answered", probes
    # The same unset variable before a Redis that wants a password: its probe says which one to set.
    code, probes = _audit_redis(tmp_path, redis_server(SECRET))
    assert code != 2 and "set PERFSCORE_TEST_REDIS_PW" in probes["redis"], probes


def _check(tmp_path: Path, body: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(body)
    t0 = time.monotonic()
    res = perfscore("config", "check", "--config", str(cfg), env=env)
    assert time.monotonic() - t0 < 15, "config check must take seconds, not an audit's time"
    assert "Traceback" not in res.err + res.out and SECRET not in res.err + res.out
    return res.code, res.out, res.err


def _good(site: int, redis_port: int, log: Path, tag: str) -> str:
    return (
        f"target: {{base_url: 'http://127.0.0.1:{site}'}}\n"
        f"redis: {{url: 'redis://127.0.0.1:{redis_port}/0', password_env: PERFSCORE_TEST_REDIS_PW}}\n"
        f"logs: ['{log}']\n"
        f"processes: {{app: ['{tag}'], cache: ['redis-server 127.0.0.1:{redis_port}']}}\n"
    )


def test_config_check_passes_on_good_components_and_names_each_failure(
    redis_server: Callable[[str | None], int],
    site: int,
    sleepers: Callable[[str], subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    port = redis_server(SECRET)
    log = tmp_path / "php-errors.log"
    log.write_text("[06-Dec-2026 05:00:00 UTC] PHP Warning: something\n")
    tag = f"perfscore-check-{uuid.uuid4().hex[:8]}"
    sleepers(tag)
    good = _good(site, port, log, tag)
    env = {"PERFSCORE_TEST_REDIS_PW": SECRET}
    code, out, err = _check(tmp_path, good, env)
    assert code == 0, out + err
    for line in ("✓ config", "✓ http:", "✓ redis:", f"✓ log {log}", "✓ processes.app:", "✓ processes.cache:"):
        assert line in out, out
    assert "- mysql: no mysql section" in out

    code, out, err = _check(tmp_path, good, {"PERFSCORE_TEST_REDIS_PW": "wrong-password"})
    assert code == 3 and "✗ redis:" in out and "authentication failed" in out and "redis" in err, out
    assert "wrong-password" not in out + err

    wrong = free_port()
    code, out, err = _check(tmp_path, good.replace(f":{site}'", f":{wrong}'"), env)
    assert code == 3 and "✗ http:" in out and "connection refused" in out and "http" in err, out

    code, out, _ = _check(tmp_path, good.replace(f"/{port}/0", f"/{wrong}/0").replace(f":{port}/0", f":{wrong}/0"), env)
    assert code == 3 and "✗ redis:" in out and "refused" in out, out

    gone = tmp_path / "missing.log"
    code, out, err = _check(tmp_path, good.replace(str(log), str(gone)), env)
    assert code == 3 and f"✗ log {gone}: not readable" in out and "log" in err, out
    code, out, _ = _check(tmp_path, good.replace(str(log), str(tmp_path)), env)  # a directory: root reads files
    assert code == 3 and f"✗ log {tmp_path}: not a regular file" in out, out  # a directory

    sleepers(tag)  # a second "master" the app pattern matches: another app's pool
    code, out, _ = _check(tmp_path, good, env)
    assert code == 3 and "✗ processes.app:" in out and "matches 2 masters" in out, out


def test_config_check_rejects_a_malformed_config_with_its_line(tmp_path: Path) -> None:
    code, out, err = _check(tmp_path, "target:\n  base_url: http://127.0.0.1:1\nredis: [\n")
    assert code == 2 and "c.yaml:" in err and "not valid YAML" in err and "✓" not in out, err
    code, _, err = _check(tmp_path, "target:\n  base_url: ftp://example\n")
    assert code == 2 and "base_url" in err, err


def test_the_stack_gatherer_saves_the_framework_a_page_shows() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from perfscore.config import Config
    from perfscore.gatherers import GatherContext
    from perfscore.gatherers.stack import StackGatherer

    class Laravel(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>Loans</body></html>"
            self.send_response(200)
            self.send_header("Set-Cookie", "XSRF-TOKEN=eyJpdiI6; path=/")
            self.send_header("Set-Cookie", "laravel_session=eyJpdiI7; path=/; httponly")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Laravel)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        cfg = Config.model_validate(
            {"target": {"base_url": f"http://127.0.0.1:{httpd.server_address[1]}"}, "processes": None}
        )
        snap = StackGatherer(GatherContext(config=cfg, base_dir=Path("."), window_s=1)).end()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert snap.framework is not None and snap.framework.value == "laravel"
    assert "laravel: cookie laravel_session" in snap.framework_evidence and snap.db_client is None
    assert "eyJ" not in snap.model_dump_json()


def test_config_check_reaches_prometheus_with_its_credentials(tmp_path: Path) -> None:
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    want = "Basic " + base64.b64encode(f"mon:{SECRET}".encode()).decode()

    class Prom(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.headers.get("Authorization") == want and self.path.startswith("/api/v1/status/buildinfo")
            body = b'{"status":"success","data":{"version":"2.45.0"}}' if ok else b"Unauthorized"
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Prom)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    body = (
        f"prometheus: {{url: 'http://127.0.0.1:{httpd.server_address[1]}', username: mon, "
        "password_env: PERFSCORE_TEST_PROM_PW}\nprocesses: null\n"
    )
    try:
        code, out, err = _check(tmp_path, body, {"PERFSCORE_TEST_PROM_PW": SECRET})
        assert code == 0 and "✓ prometheus:" in out and "2.45.0" in out, out + err
        code, out, err = _check(tmp_path, body, {"PERFSCORE_TEST_PROM_PW": "nope-wrong"})
        assert code == 3 and "✗ prometheus:" in out and "refused the credentials" in out, out + err
        assert "nope-wrong" not in out + err
    finally:
        httpd.shutdown()
        httpd.server_close()
