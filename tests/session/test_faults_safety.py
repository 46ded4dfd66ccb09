"""Faults are opt-in twice and local by default (issue 27): the config names them and the command line
says --faults; a remote target is refused before any traffic unless the config allows it."""

from __future__ import annotations

import json
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
