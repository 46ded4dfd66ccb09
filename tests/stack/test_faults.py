"""Recovery time and graceful degradation under named faults (issue 27), on the reference stack whose
knobs set the truth: PHP-FPM restarted with a 5 s start delay (recovery 5 ± 1 s), the database restarted
(back within 30 s), Redis stopped for 10 s
and paused for 4 s with the app's database fallback on (no page fails) or stopped with it off (the cached
pages fail, named, and recover once the undo starts Redis again)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from tests.conftest import perfscore
from tests.stack.fixtures import PORTS, STATE

pytestmark = [pytest.mark.stack, pytest.mark.slow, pytest.mark.faults]

FAULTS_CONFIG = STATE / "perfscore-faults.yaml"  # rendered by `stackctl up`: the stack's config + its faults


def _config(tmp: Path, faults: list[dict[str, Any]] | None = None, **resilience: Any) -> Path:
    cfg = yaml.safe_load(FAULTS_CONFIG.read_text())
    cfg["audit"]["duration_s"] = 1
    cfg["audit"]["load"]["scalability"] = False
    if faults is not None:
        cfg["audit"]["resilience"]["faults"] = faults
    cfg["audit"]["resilience"].update(resilience)
    path = tmp / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def _audit(config: Path, *extra: str) -> dict[str, Any]:
    res = perfscore("audit", "--config", str(config), "--faults", "-f", "json", "--no-history", *extra, timeout=300)
    assert res.code in (0, 1), res.err
    assert "Traceback" not in res.err
    doc: dict[str, Any] = json.loads(res.out)
    return doc


def _faults(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["fault"]: f for f in _metric(doc, "resilience.recovery_time")["evidence"]["faults"]}


def _redis() -> psutil.Process:
    return next(
        p
        for p in psutil.process_iter(["cmdline"])
        if f"127.0.0.1:{PORTS['redis']}" in " ".join(p.info["cmdline"] or [])
    )


def _mysqld_pid() -> int:
    return int((STATE / "run" / "mysqld.pid").read_text().strip())


def test_the_stacks_faults_recover_as_their_knobs_say(tmp_path: Path) -> None:
    mysqld_before = _mysqld_pid()
    doc = _audit(_config(tmp_path))
    faults = _faults(doc)
    restart = faults["php-fpm restarted, 5 s to start"]
    assert restart["recovered"] and 4 <= restart["recovery_s"] <= 6, restart  # 5 s down, then its start
    assert restart["failed"] > 0 and restart["undone_s"] is not None, restart
    stopped = faults["Redis stopped for 10 s"]
    assert stopped["failed"] == 0 and stopped["recovered"], stopped  # the app reads the database meanwhile
    assert stopped["held_s"] == pytest.approx(10, abs=0.5), stopped
    # Stopped, then started by the undo: the cached pages keep answering from Redis meanwhile, and the pages that
    # read the database are back within the seed's 30 s once MariaDB is up.
    restarted = faults["the database restarted"]
    assert restarted["undone_s"] is not None and restarted["recovered"] and restarted["recovery_s"] < 30, restarted
    assert _mysqld_pid() != mysqld_before, "the database was not restarted"
    pause = faults["Redis paused for 4 s"]
    assert pause["failed"] == 0 and pause["recovered"], pause
    assert _metric(doc, "resilience.degrades_gracefully")["value"] is True
    assert _redis().status() != psutil.STATUS_STOPPED


def test_without_the_fallback_a_cache_stop_fails_the_cached_pages(tmp_path: Path, knob) -> None:  # type: ignore[no-untyped-def]
    knob(redis_fallback="off")
    cfg = yaml.safe_load(FAULTS_CONFIG.read_text())["audit"]["resilience"]["faults"]
    doc = _audit(_config(tmp_path, [f for f in cfg if f["name"] == "Redis stopped for 10 s"]))
    graceful = _metric(doc, "resilience.degrades_gracefully")
    assert graceful["value"] is False and "requests failed" in graceful["summary"], graceful
    stopped = _faults(doc)["Redis stopped for 10 s"]
    # The app connects to Redis on every page (fallback off: a page fails when it cannot): every endpoint is
    # named, and the pages come back once the undo has started Redis again, not before.
    assert {"loan", "loan_b", "borrower_loans", "search"} <= set(stopped["errors_by_endpoint"]), stopped
    assert stopped["recovered"] and 10 <= stopped["recovery_s"] <= stopped["undone_s"] + 3, stopped
    item = next(i for i in doc["roadmap"] if i["metric"] == "resilience.degrades_gracefully")
    assert "fall back" in item["action"], item


def test_a_fault_command_that_hangs_is_cut_at_its_bound(tmp_path: Path) -> None:
    t0 = time.monotonic()
    doc = _audit(_config(tmp_path, [{"name": "hangs", "command": "sleep 600", "duration_s": 2}], recover_within_s=5))
    hangs = _faults(doc)["hangs"]
    assert hangs["cut_at_bound"] and hangs["fault_s"] < 4, hangs
    assert time.monotonic() - t0 < 60


def test_sigint_in_the_middle_of_a_pause_continues_the_paused_process(tmp_path: Path) -> None:
    pattern = rf"redis-server 127\.0\.0\.1:{PORTS['redis']}\b"
    config = _config(tmp_path, [{"name": "long pause", "pause": pattern, "duration_s": 60}])
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfscore", "audit", "--config", str(config), "--faults", "--no-history"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        deadline = time.monotonic() + 120
        for line in proc.stderr:
            if "long pause: pause" in line or time.monotonic() > deadline:
                break
        redis = _redis()
        deadline = time.monotonic() + 10
        while redis.status() != psutil.STATUS_STOPPED and time.monotonic() < deadline:
            time.sleep(0.05)
        assert redis.status() == psutil.STATUS_STOPPED  # the fault is on
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        _redis().resume()  # never leave the stack's Redis stopped, whatever the test found
    assert _redis().status() != psutil.STATUS_STOPPED
