"""perfscore against servers that attack it (issue 12): each case has an exit code, a time bound, an RSS
bound where it is about memory, and a search for the secret and for escape sequences in every output."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import REPO
from tests.hostile import servers

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.e2e]

SECRET = "S3cretPW-xyz"
ESC = "\x1b"


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    wall_s: float
    peak_rss_mb: float
    files: str  # every file the run wrote, concatenated


@pytest.fixture
def hostile() -> Iterator[Callable[[str], int]]:
    stops: list[Callable[[], None]] = []

    def start(mode: str) -> int:
        port, stop = servers.start(mode)
        stops.append(stop)
        return port

    yield start
    for stop in stops:
        stop()


def run(args: list[str], tmp: Path, timeout: float = 120, env: dict[str, str] | None = None) -> Outcome:
    """The real command line in a subprocess, its peak RSS sampled (with its children) every 50 ms."""
    outputs = tmp / "out"
    outputs.mkdir(exist_ok=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfscore", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=outputs,
        env={**os.environ, "PERFSCORE_MYSQL_PASSWORD": SECRET, **(env or {})},
    )
    peak = 0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        if time.monotonic() - t0 > timeout:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"perfscore {' '.join(args)} still running after {timeout}s\n{err[-2000:]}")
        with contextlib.suppress(psutil.Error):
            peak = max(peak, ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True)))
        time.sleep(0.05)
    out, err = proc.communicate()
    files = "".join(p.read_text(errors="replace") for p in sorted(outputs.iterdir()) if p.is_file())
    return Outcome(proc.returncode, out, err, time.monotonic() - t0, peak / 2**20, files)


def assert_clean(o: Outcome) -> None:
    """Nothing a server controls reaches a terminal or a file as a secret or an escape sequence."""
    for name, text in (("stdout", o.out), ("stderr", o.err), ("files", o.files)):
        assert SECRET not in text, f"the password is in {name}"
        assert ESC not in text and "\x07" not in text, f"a control sequence is in {name}"
    assert "Traceback" not in o.err
    # The fake verdict a server sent never stands on a line of its own.
    assert not any(line.lstrip().startswith("perfscore: score 100") for line in o.err.splitlines())


def audit(*extra: str) -> list[str]:
    return ["audit", "--duration", "1", "--save-run", "run.json", "-f", "html", "-o", "report.html", *extra]


def test_a_mysql_server_asking_for_the_password_in_clear_does_not_get_it(hostile, tmp_path: Path) -> None:
    port = hostile("mysql-cleartext")
    o = run(audit("--mysql", f"mysql://perfscore:{SECRET}@127.0.0.1:{port}/loanflow"), tmp_path)
    assert o.code == 3, o.err
    assert "clear text" in o.err
    got = servers.LOG.get("mysql-cleartext", [])
    assert any(item[0] == "login" for item in got)  # type: ignore[index]
    assert not any(item[0] == "cleartext" for item in got), "the client answered the clear-text request"  # type: ignore[index]
    assert_clean(o)


def test_a_mysql_server_sending_its_own_public_key_gets_nothing_encrypted_with_it(hostile, tmp_path: Path) -> None:
    port = hostile("mysql-rsa")
    o = run(audit("--mysql", f"mysql://perfscore:{SECRET}@127.0.0.1:{port}/loanflow"), tmp_path)
    assert o.code == 3, o.err
    assert "encrypted with a key it sent" in o.err
    got = servers.LOG.get("mysql-rsa", [])
    assert not any(item[0] == "encrypted" for item in got), "the client encrypted the password with the server's key"  # type: ignore[index]
    assert_clean(o)


def test_a_mysql_error_with_escape_sequences_is_printed_inert(hostile, tmp_path: Path) -> None:
    port = hostile("mysql-err-ansi")
    o = run(audit("--mysql", f"mysql://perfscore:{SECRET}@127.0.0.1:{port}/loanflow"), tmp_path)
    assert o.code == 3, o.err
    assert "mysql: unavailable" in o.err
    assert_clean(o)


@pytest.mark.parametrize(
    ("mode", "flag", "url"),
    [
        ("mysql-flood", "--mysql", "mysql://perfscore:{secret}@127.0.0.1:{port}/loanflow"),  # endless 16 MiB packets
        ("redis-bulk", "--redis", "redis://127.0.0.1:{port}/0"),  # a bulk string announced at 3 GB
    ],
)
def test_a_flooding_database_costs_bounded_memory_and_time(
    hostile, tmp_path: Path, mode: str, flag: str, url: str
) -> None:
    port = hostile(mode)
    o = run(audit(flag, url.format(secret=SECRET, port=port)), tmp_path, timeout=90)
    assert o.code == 3, o.err
    assert "MiB in one answer" in o.err
    assert o.peak_rss_mb < 400, f"peak RSS {o.peak_rss_mb:.0f} MB"
    assert_clean(o)


def test_redis_gets_auth_as_configured_and_its_echo_is_redacted(hostile, tmp_path: Path) -> None:
    port = hostile("redis-hello")
    o = run(audit("--redis", f"redis://:{SECRET}@127.0.0.1:{port}/0"), tmp_path)
    sent = [item[1] for item in servers.LOG.get("redis-hello", [])]  # type: ignore[index]
    assert sent and sent[0] == [b"AUTH", SECRET.encode()], sent[:2]  # RESP2 AUTH <pw>: no HELLO 3, no user name
    assert not any(cmd and cmd[0].upper() == b"HELLO" for cmd in sent)
    assert o.code == 3, o.err
    assert_clean(o)


def test_a_password_echoed_base64_hex_url_encoded_or_split_is_redacted(hostile, tmp_path: Path) -> None:
    port = hostile("redis-echo-forms")
    o = run(audit("--redis", f"redis://:{SECRET}@127.0.0.1:{port}/0"), tmp_path)
    assert o.code == 3, o.err
    assert "wrong password" in o.err
    raw = SECRET.encode()
    echoed = {SECRET, base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="), raw.hex()}
    echoed |= {raw.hex().upper(), urllib.parse.quote(SECRET, safe="")}
    for name, text in (("stderr", o.err), ("stdout", o.out), ("files", o.files)):
        leaked = [form for form in echoed if form in text]
        assert not leaked, f"{name} holds the password as {leaked}"
    assert_clean(o)


def test_an_asset_that_drips_forever_does_not_hold_the_audit(hostile, tmp_path: Path) -> None:
    port = hostile("http-drip-asset")
    cfg = tmp_path / "p.yaml"
    cfg.write_text(
        f"target: {{base_url: 'http://127.0.0.1:{port}'}}\n"
        "audit: {duration_s: 1, probe_timeout_s: 3, load: {scalability: false}}\n"
    )
    o = run(audit("--config", str(cfg)), tmp_path, timeout=90)
    assert o.code in (0, 1), o.err
    assert (tmp_path / "out" / "report.html").exists()
    # A byte every 2 s beats a 3 s read timeout for ever; each fetch ends at its 3 s deadline instead.
    assert o.wall_s < 60
    assert_clean(o)


def test_a_redirect_loop_is_failures_not_successes(hostile, tmp_path: Path) -> None:
    port = hostile("http-redirect-loop")
    o = run(["load", f"http://127.0.0.1:{port}/a", "-d", "1", "-c", "2", "--warmup", "0.2", "-f", "json"], tmp_path)
    assert "redirects in a loop (/a → /b → /a)" in o.err
    assert o.code == 1  # every request failed
    assert '"302"' in o.out and '"error_rate": 1.0' in o.out
    assert_clean(o)


def test_an_endless_chunk_size_line_is_a_protocol_error_in_bounded_time(hostile, tmp_path: Path) -> None:
    port = hostile("http-chunk-endless")
    o = run(["load", f"http://127.0.0.1:{port}/", "-d", "2", "-c", "2", "--warmup", "0"], tmp_path, timeout=30)
    assert o.code == 1, o.err
    assert "every request failed" in o.err
    assert o.wall_s < 15
    assert_clean(o)


def test_requests_waiting_at_the_deadline_are_counted(hostile, tmp_path: Path) -> None:
    port = hostile("http-first-only")
    o = run(["load", f"http://127.0.0.1:{port}/", "-d", "2", "-c", "4", "--warmup", "0", "-f", "json"], tmp_path)
    assert o.code == 1, o.err
    assert '"unfinished": 4' in o.out and '"timeouts": 4' in o.out
    assert "every request failed (4 of 4)" in o.err


def test_requests_cut_off_by_the_end_of_a_run_are_left_out_not_errors(hostile, tmp_path: Path) -> None:
    """A slow but healthy server: the requests in flight when the run ends waited less than the answers
    that came, so they are the generator's cut-off, counted apart, not the app's timeouts."""
    port = hostile("http-slow")
    o = run(["load", f"http://127.0.0.1:{port}/", "-d", "1.5", "-c", "4", "--warmup", "0", "-f", "json"], tmp_path)
    assert o.code == 0, o.err
    doc = json.loads(o.out)
    assert doc["errors"] == 0 and doc["timeouts"] == 0 and doc["requests"] >= 8, doc
    assert doc["abandoned"] >= 3 and doc["unfinished"] == 0, doc
    assert any("left out (neither successes nor errors)" in n for n in doc["notes"]), doc["notes"]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_the_audit_window_ends_it(hostile, tmp_path: Path, sig: int, code: int) -> None:
    """The window's single generator runs on an event loop in the main thread, where an exception raised
    by a signal handler would be logged and dropped by the loop: the audit must stop all the same."""
    port = hostile("http-ok")
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfscore", "audit", "--url", f"http://127.0.0.1:{port}", "-d", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stderr is not None
    said = []  # the pre-window probes take a few seconds; the window then runs 30 s: signal it inside
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        said.append(line)
        if not line or "of nominal traffic" in line:  # "window: 30s of nominal traffic, …"
            break
    assert "of nominal traffic" in said[-1], "".join(said)
    t0 = time.monotonic()
    proc.send_signal(sig)
    out, rest = proc.communicate(timeout=20)
    err = "".join(said) + rest
    assert proc.returncode == code, err
    assert time.monotonic() - t0 < 5
    assert "interrupted" in err and "Traceback" not in err and "Exception in callback" not in err
    assert "Task was destroyed" not in err


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_stops_the_workers_and_says_interrupted(hostile, tmp_path: Path, sig: int, code: int) -> None:
    port = hostile("http-ok")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "perfscore",
            "load",
            f"http://127.0.0.1:{port}/",
            "-d",
            "30",
            "-c",
            "4",
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    ps = psutil.Process(proc.pid)
    deadline = time.monotonic() + 20
    while len(ps.children(recursive=True)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    children = ps.children(recursive=True)
    assert len(children) >= 2, "the load workers never started"
    time.sleep(1)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == code, err
    assert "interrupted" in err and "Traceback" not in err
    _, alive = psutil.wait_procs(children, timeout=1)
    alive = [c for c in alive if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"orphans 1 s after the signal: {[c.pid for c in alive]}"


def test_running_out_of_descriptors_is_the_generators_fault(hostile, tmp_path: Path) -> None:
    """Under a low `ulimit -n` the generator's own connects fail (EMFILE): not the target's errors, and the
    run is invalid with the reason (an audit used to blame its own EMFILE on the target: 31 % "errors")."""
    port = hostile("http-ok")
    script = (
        "import resource, json, sys\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (96, 96))\n"
        "from perfscore.load.engine import run_load\n"
        "from perfscore.loadmodel import Endpoint, LoadSpec\n"
        f"spec = LoadSpec(host='127.0.0.1', port={port}, host_header='x', endpoints=[Endpoint()], connections=200,"
        " duration_s=1.5, warmup_s=0.2, workers=1)\n"
        "print(run_load(spec).model_dump_json())\n"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert res.returncode == 0, res.stderr
    r = json.loads(res.stdout)
    assert r["local_errors"] > 0
    assert r["errors"] == 0 and r["connect_errors"] == 0  # the target refused nothing
    assert r["valid"] is False
    assert any("file descriptors" in n for n in r["notes"])


@pytest.mark.parametrize("mode", ["http-redirect-ipv6", "http-redirect-control"])
def test_a_redirect_that_leads_nowhere_is_failures_not_a_crash(hostile, tmp_path: Path, mode: str) -> None:
    port = hostile(mode)
    o = run(["load", f"http://127.0.0.1:{port}/", "-n", "200", "-c", "2", "-f", "json"], tmp_path)
    assert o.code == 1, o.err  # every 302 is a failure: it leads nowhere
    assert json.loads(o.out)["error_rate"] == 1.0
    assert_clean(o)


def test_a_link_that_is_no_url_does_not_switch_off_the_exposure_check(hostile, tmp_path: Path) -> None:
    port = hostile("http-bad-link")
    cfg = tmp_path / "p.yaml"
    cfg.write_text(
        f"target: {{base_url: 'http://127.0.0.1:{port}'}}\n"
        "audit: {duration_s: 1, probe_timeout_s: 5, load: {scalability: false}}\n"
    )
    o = run(audit("--config", str(cfg), "-f", "json", "-o", "result.json"), tmp_path)
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    exposure = next(m for c in result["categories"] for m in c["metrics"] if m["id"] == "http.no_exposed_files")
    assert exposure["status"] == "measured", exposure
    assert "ValueError" not in o.err
    assert_clean(o)


def test_a_1_mb_error_message_is_cut_not_copied_into_every_metric(hostile, tmp_path: Path) -> None:
    port = hostile("mysql-err-huge")
    o = run(audit("--mysql", f"mysql://perfscore:{SECRET}@127.0.0.1:{port}/loanflow"), tmp_path)
    assert o.code == 3, o.err[-500:]
    assert len(o.err) < 50_000
    assert (tmp_path / "out" / "run.json").stat().st_size < 1_000_000
    assert_clean(o)


@pytest.mark.parametrize(("n", "connections", "workers"), [(5, 16, "2"), (1, 64, "8"), (300, 8, "2")])
def test_n_requests_reach_the_server_exactly(hostile, tmp_path: Path, n: int, connections: int, workers: str) -> None:
    """-n N: the server receives N measured requests, not N plus whatever the other connections had sent
    (a POST budget must not become 64 writes)."""
    port = hostile("http-ok")
    args = ["load", f"http://127.0.0.1:{port}/", "-n", str(n), "-c", str(connections), "--workers", workers]
    o = run([*args, "-f", "json"], tmp_path)
    assert o.code == 0, o.err
    received = [item for item in servers.LOG.get("http-ok", []) if item[0] == "request"]  # type: ignore[index]
    assert len(received) == n + 2, len(received)  # + the pre-flight GET and the redirect check's GET
    assert json.loads(o.out)["requests"] == n
