"""Faults against a small local server, without the reference stack (issue 27): the undo survives the
signals that stop perfscore, a command fault is held in place ``hold_s`` before its undo, the built-in
``kill`` kills exactly ``count`` processes. The fault and undo commands are scripts of the test that
leave marker files (and their own pid, time and signal dispositions) in tmp_path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO, perfscore

pytestmark = [pytest.mark.server, pytest.mark.slow]

# Writes time.time() to argv[1] (atomically: a reader never sees half of it), then sleeps argv[2] seconds and
# writes it again to argv[1] + ".done"; its signal dispositions go to argv[1] + ".sigign" (/proc's SigIgn).
STAMP = """\
import os, sys, time
def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
write(sys.argv[1] + ".sigign", next(l.split()[1] for l in open("/proc/self/status") if l.startswith("SigIgn:")))
write(sys.argv[1] + ".pid", str(os.getpid()))
write(sys.argv[1], repr(time.time()))
if len(sys.argv) > 2:
    time.sleep(float(sys.argv[2]))
    write(sys.argv[1] + ".done", repr(time.time()))
"""


def _stamp(tmp: Path, name: str, sleep_s: float | None = None) -> str:
    script = tmp / "stamp.py"
    script.write_text(STAMP)
    return f"{sys.executable} {script} {tmp / name}" + (f" {sleep_s}" if sleep_s is not None else "")


def _config(tmp: Path, port: int, faults: list[dict[str, Any]]) -> Path:
    cfg = {
        "target": {"base_url": f"http://127.0.0.1:{port}"},
        "audit": {
            "duration_s": 0.5,
            "load": {"scalability": False},
            "resilience": {"rate": 10, "steady_s": 1, "recover_within_s": 5, "faults": faults},
        },
    }
    path = tmp / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _wait_for(path: Path, proc: subprocess.Popen[str], deadline_s: float = 90) -> None:
    deadline = time.monotonic() + deadline_s
    while not path.exists():
        assert proc.poll() is None, f"perfscore exited {proc.returncode} before {path.name} appeared"
        assert time.monotonic() < deadline, f"{path.name} did not appear"
        time.sleep(0.02)


def _ignored(sigign: Path) -> set[int]:
    mask = int(sigign.read_text(), 16)
    return {s for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP) if mask & (1 << (s - 1))}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _perfscore(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "perfscore", "audit", "--config", str(config), "--faults", "--no-history", "-q"],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.e2e
def test_sigint_while_the_fault_command_runs_stops_it_and_runs_the_undo(
    server: Callable[[str, str], int], tmp_path: Path
) -> None:
    fault = {"name": "held by a command", "command": _stamp(tmp_path, "fault", 60), "duration_s": 120}
    fault["undo"] = _stamp(tmp_path, "undo")
    proc = _perfscore(_config(tmp_path, server("same", ""), [fault]))
    try:
        _wait_for(tmp_path / "fault", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert (tmp_path / "undo").exists(), err  # undone on the way out
    assert not (tmp_path / "fault.done").exists()  # the fault command was stopped, not waited for
    assert not _alive(int((tmp_path / "fault.pid").read_text()))
    # The CLI ignores further signals while it cleans up; the undo (which may start a daemon) must not inherit that.
    assert _ignored(tmp_path / "undo.sigign") == set(), (tmp_path / "undo.sigign").read_text()
    assert _ignored(tmp_path / "fault.sigign") == set()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("signals", "code"),
    [((signal.SIGINT, signal.SIGINT, signal.SIGTERM), 130), ((signal.SIGTERM,), 143)],
    ids=["sigint-then-more", "sigterm"],
)
def test_a_signal_while_the_undo_runs_lets_it_finish(
    server: Callable[[str, str], int], tmp_path: Path, signals: tuple[signal.Signals, ...], code: int
) -> None:
    """The undo writes "started", sleeps 2 s, writes "done": done before perfscore exits, whatever arrives
    meanwhile; then perfscore exits as the first signal says."""
    fault = {"name": "quick", "command": "true", "undo": _stamp(tmp_path, "undo", 2), "duration_s": 5}
    proc = _perfscore(_config(tmp_path, server("same", ""), [fault]))
    try:
        _wait_for(tmp_path / "undo", proc)
        for sig in signals:
            proc.send_signal(sig)
            time.sleep(0.2)
        _, err = proc.communicate(timeout=60)
        exited = time.time()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err, err
    done = tmp_path / "undo.done"
    assert done.exists(), err  # the undo ran to its end
    assert float(done.read_text()) <= exited
    assert float(done.read_text()) - float((tmp_path / "undo").read_text()) >= 2.0
    assert _ignored(tmp_path / "undo.sigign") == set()


def _metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def test_a_command_fault_is_held_hold_s_before_its_undo(server: Callable[[str, str], int], tmp_path: Path) -> None:
    hold = 2.0
    fault = {"name": "held 2 s", "command": _stamp(tmp_path, "returned"), "undo": _stamp(tmp_path, "undo")}
    fault |= {"duration_s": 10, "hold_s": hold}
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    res = perfscore(
        "audit", "--config", str(_config(tmp_path, server("same", ""), [fault])), "--faults", "--no-history",
        "-o", str(out), "-o", str(md), timeout=120,
    )  # fmt: skip
    assert res.code in (0, 1), res.err
    assert "held 2 s: command for up to 10s, held 2s" in res.err, res.err
    returned, undone = float((tmp_path / "returned").read_text()), float((tmp_path / "undo").read_text())
    assert hold - 0.05 <= undone - returned < hold + 10  # the undo began no earlier than hold_s after the return
    f = _metric(json.loads(out.read_text()), "resilience.recovery_time")["evidence"]["faults"][0]
    # The marks, in seconds since the fault began, in the order they happened.
    assert 0 <= f["returned_s"] <= f["undo_started_s"] <= f["undone_s"] <= f["fault_s"], f
    assert f["held_s"] == pytest.approx(f["undo_started_s"] - f["returned_s"], abs=0.002), f
    assert hold <= f["held_s"] < hold + 5, f
    assert f["recovered"] and f["failed"] == 0, f  # the fault did nothing to the server
    began = datetime.fromisoformat(f["started_at"]).timestamp()
    assert abs(began + f["returned_s"] - returned) < 1.0, (f["started_at"], returned)
    report = md.read_text()
    assert "### Faults injected on " in report and "| held 2 s | command | " in report, report
    assert "| 2.0 s |" in report or "| 2.1 s |" in report, report


def test_the_kill_built_in_kills_exactly_count_processes(server: Callable[[str, str], int], tmp_path: Path) -> None:
    marker = f"perfscore-kill-test-{uuid.uuid4().hex}"  # in these processes' command lines and no others
    sleepers = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", marker]) for _ in range(4)]
    try:
        fault = {"name": "two of four killed", "kill": marker, "count": 2, "duration_s": 1}
        out = tmp_path / "r.json"
        res = perfscore(
            "audit", "--config", str(_config(tmp_path, server("same", ""), [fault])), "--faults", "--no-history",
            "-o", str(out), timeout=120,
        )  # fmt: skip
        assert res.code in (0, 1), res.err
        time.sleep(0.2)
        codes = [p.poll() for p in sleepers]
        assert sorted(codes, key=lambda c: c is None) == [-signal.SIGKILL, -signal.SIGKILL, None, None], codes
        f = _metric(json.loads(out.read_text()), "resilience.recovery_time")["evidence"]["faults"][0]
        assert f["kind"] == "kill" and f["error"] is None and f["processes"] == 4, f  # matched 4, killed 2
    finally:
        for p in sleepers:
            p.kill()
            p.wait()
