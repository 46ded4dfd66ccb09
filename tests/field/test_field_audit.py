"""Field beside lab in an audit (issue 28): `audit --access-log` reads the users' requests; by default their
p95 and error rate score response time and errors in place of the lab's, the lab's are reported beside them,
and the gap between the two is a finding. `field.scores: lab` keeps the lab's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NO_RAMP, perfscore
from tests.field.test_field import TIMED, combined_line, write_log

pytestmark = pytest.mark.server


def metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def users_log(tmp_path: Path) -> Path:
    import time

    now = time.time()
    lines = [
        combined_line(now - 3600 + i, "GET", "/", 200 if i % 100 else 502, 0.4 + (i % 10) / 100) for i in range(600)
    ]
    return write_log(tmp_path / "access.log", lines)  # one GET / a second for 10 minutes, 400-490 ms, 1 % 502


def test_the_users_figures_score_in_place_of_the_labs_and_the_gap_is_named(
    server: Callable[[str, str], int], tmp_path: Path
) -> None:
    port = server("delay", "2")  # the lab: 2 ms a request
    log = users_log(tmp_path)
    args = [
        "audit",
        "--url",
        f"http://127.0.0.1:{port}/",
        "-d",
        "1",
        "-f",
        "json",
        "--no-history",
        "--config",
        str(NO_RAMP),
    ]
    doc = json.loads(perfscore(*args, "--access-log", str(log), "--log-format", TIMED).out)
    field_p95 = metric(doc, "field.p95_latency")
    assert field_p95["status"] == "measured" and 480 <= field_p95["value"] <= 495, field_p95
    assert field_p95["weight"] > 0 and metric(doc, "http.p95_latency")["weight"] == 0  # the users' figure scores
    errors = metric(doc, "field.error_rate")
    assert errors["value"] == pytest.approx(0.01) and metric(doc, "http.error_rate")["weight"] == 0
    gap = metric(doc, "field.lab_gap")
    assert gap["status"] == "measured" and gap["value"] > 10 and "the lab mix misses what users do" in gap["summary"]
    # Without the logs, the lab's figures score and the field's are out of the score.
    lab = json.loads(perfscore(*args).out)
    assert metric(lab, "http.p95_latency")["weight"] > 0 and metric(lab, "field.p95_latency")["weight"] == 0


def test_scores_lab_keeps_the_labs_figures_and_a_bad_format_is_exit_2(
    server: Callable[[str, str], int], tmp_path: Path
) -> None:
    port = server("delay", "2")
    log = users_log(tmp_path)
    cfg = tmp_path / "perfscore.yaml"
    cfg.write_text(
        f"target: {{base_url: 'http://127.0.0.1:{port}'}}\n"
        f"field: {{access_logs: ['{log}'], log_format: timed, scores: lab}}\n"
        "audit: {duration_s: 1, load: {scalability: false}}\n"
    )
    doc = json.loads(perfscore("audit", "--config", str(cfg), "-f", "json", "--no-history").out)
    assert metric(doc, "http.p95_latency")["weight"] > 0 and metric(doc, "field.p95_latency")["weight"] == 0
    assert metric(doc, "field.p95_latency")["status"] == "measured"  # reported beside, not scored
    bad = perfscore("audit", "--config", str(cfg), "--log-format", "$status", "--no-history")
    assert bad.code == 2 and "--log-format" in bad.err and "Traceback" not in bad.err, bad.err
