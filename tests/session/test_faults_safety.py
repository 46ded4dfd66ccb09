"""Faults are opt-in twice and local by default (issue 27): the config names them and the command line
says --faults; a remote target is refused before any traffic unless the config allows it."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest

from perfscore.config import FaultConfig
from tests.conftest import assert_clean_error, perfscore

FAULTS = "audit:\n  resilience:\n    faults:\n      - {name: f, pause: nothing-matches-this-zz, duration_s: 1}\n"


def test_faults_configured_but_not_asked_for_are_skipped_and_cost_no_points(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("target: {base_url: 'http://127.0.0.1:9'}\n" + FAULTS + "  duration_s: 0.2\n")
    out = tmp_path / "r.json"
    res = perfscore("audit", "--config", str(cfg), "-f", "json", "-o", str(out), "--no-history", "--save-run",
                    str(tmp_path / "run.json"))  # fmt: skip
    assert "pass --faults to run them" in res.err, res.err
    run = json.loads((tmp_path / "run.json").read_text())
    assert {p["name"]: p["status"] for p in run["probes"]}["resilience"] == "skipped"
    doc = json.loads(out.read_text())
    rec = next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == "resilience.recovery_time")
    assert rec["status"] == "not_applicable" or rec["weight"] == 0, rec  # no fault run, no points lost


def test_a_remote_target_is_refused_before_any_traffic(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("target: {base_url: 'http://192.0.2.10', allow_remote: true}\n" + FAULTS)
    res = perfscore("audit", "--config", str(cfg), "--faults", "--no-history", timeout=30)
    assert_clean_error(res, 2, "not on this machine's loopback", "allow_remote: true")


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        ({"name": "x"}, "exactly one of command, pause or kill"),
        ({"name": "x", "pause": "a", "kill": "b"}, "exactly one of command, pause or kill"),
        ({"name": "x", "pause": "("}, "not a regular expression"),
        ({"name": "x", "command": "'unclosed"}, "does not parse"),
        ({"name": "x", "command": "sleep 1", "duration_s": 3600}, "less than or equal to 300"),
    ],
)
def test_a_fault_that_cannot_be_bounded_or_undone_is_refused(fault: dict[str, object], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        FaultConfig.model_validate(fault)


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        ({"name": "x", "pause": "a", "hold_s": 5}, "a pause lasts duration_s"),
        ({"name": "x", "kill": "a", "hold_s": 5}, "a kill has no undo"),
        ({"name": "x", "command": "true", "hold_s": 5}, "needs an undo command"),
        ({"name": "x", "command": "true", "undo": "true", "hold_s": 301}, "less than or equal to 300"),
        ({"name": "x", "command": "true", "undo": "true", "hold_s": -1}, "greater than or equal to 0"),
    ],
)
def test_a_hold_is_for_a_command_with_an_undo_and_bounded(fault: dict[str, object], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        FaultConfig.model_validate(fault)


def test_a_held_command_fault_is_accepted_and_no_hold_is_the_default() -> None:
    held = FaultConfig.model_validate({"name": "x", "command": "stop redis", "undo": "start redis", "hold_s": 10})
    assert held.hold_s == 10
    assert FaultConfig.model_validate({"name": "x", "command": "restart fpm"}).hold_s == 0


def _plan_until_preflight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, allow_remote: bool) -> list[str]:
    """build_plan for `audit --faults` on a remote target, stopped where its first packet would go (the
    preflight): nothing is sent anywhere. Returns the targets the preflight was reached with."""
    from perfscore.session import plan

    reached: list[str] = []

    class Reached(Exception):
        pass

    def preflight(cfg: object, say: object) -> None:
        reached.append(str(cfg.target.base_url))  # type: ignore[attr-defined]
        raise Reached

    monkeypatch.setattr(plan, "preflight", preflight)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "target: {base_url: 'http://192.0.2.10', allow_remote: true}\n"
        + FAULTS.replace("  resilience:\n", f"  resilience:\n    allow_remote: {str(allow_remote).lower()}\n")
    )
    with contextlib.suppress(Reached):
        plan.build_plan(plan.AuditOptions(config=cfg, faults=True, no_history=True), lambda _: None)
    return reached


def test_allow_remote_lets_faults_against_a_remote_target_past_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _plan_until_preflight(tmp_path, monkeypatch, allow_remote=True) == ["http://192.0.2.10"]


def test_without_allow_remote_the_plan_refuses_before_the_preflight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfscore.errors import PerfscoreError

    with pytest.raises(PerfscoreError, match="allow_remote: true"):
        _plan_until_preflight(tmp_path, monkeypatch, allow_remote=False)


def test_faults_asked_for_but_none_configured_are_a_usage_error_before_any_traffic(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("target: {base_url: 'http://127.0.0.1:9'}\naudit: {duration_s: 0.2}\n")
    run = tmp_path / "run.json"
    t0 = time.monotonic()
    res = perfscore("audit", "--config", str(cfg), "--faults", "--no-history", "--save-run", str(run))
    assert_clean_error(res, 2, "--faults, but the config names no fault", "audit.resilience.faults")
    assert not run.exists() and time.monotonic() - t0 < 5  # refused before the preflight: nothing ran
