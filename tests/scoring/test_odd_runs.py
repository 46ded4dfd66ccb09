"""Runs nobody would write on purpose: not runs at all, wrong units, impossible counts, hostile rubric text."""

from __future__ import annotations

import json
from pathlib import Path

from perfscore.rubric import load_rubric
from perfscore.run import Measurement, Run
from perfscore.scoring import score_run
from tests.conftest import REPO, assert_clean_error, perfscore

V2 = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"


def test_score_takes_a_run_or_a_result_and_says_which_and_refuses_anything_else(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    scored = perfscore("score", str(V2), "--format", "json")
    assert "a saved run, scored with the rubric loanflow" in scored.err
    result.write_text(scored.out)
    shown = perfscore("score", str(result), "--format", "json")
    assert shown.code == 0 and "a scored result, shown as it was scored" in shown.err
    assert json.loads(shown.out)["score"] == json.loads(scored.out)["score"]  # the same scorecard, not 0.00/100
    # a result cannot be re-scored: the rubric that would do it is refused, not ignored
    assert_clean_error(
        perfscore("score", str(result), "--rubric", str(REPO / "rubrics" / "loanflow.yaml")), 2, "cannot be re-scored"
    )
    other = tmp_path / "other.json"
    other.write_text('{"not": "a run"}')
    assert_clean_error(perfscore("score", str(other)), 2, "neither a perfscore run")
    assert_clean_error(perfscore("compare", str(other), str(result)), 2, "neither a perfscore run")


def test_a_figure_in_another_unit_or_type_is_not_scored_as_if_it_were_right() -> None:
    run = Run(
        measurements=[
            Measurement(metric="http.p95_latency", value=5.0, unit="s"),
            Measurement(metric="http.error_rate", value=True),
        ]
    )
    metrics = {m.id: m for c in score_run(run, load_rubric()).categories for m in c.metrics}
    assert metrics["http.p95_latency"].status == "unavailable" and "'s'" in (metrics["http.p95_latency"].reason or "")
    assert metrics["http.error_rate"].status == "unavailable" and "a number" in (
        metrics["http.error_rate"].reason or ""
    )


def test_impossible_window_counts_are_unavailable_not_perfect(tmp_path: Path) -> None:
    doc = json.loads(V2.read_text())
    doc["artifacts"]["window"]["load"]["errors"] = doc["artifacts"]["window"]["load"]["requests"] * 3
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc))
    res = perfscore("score", str(path), "--format", "json")
    metrics = {m["id"]: m for c in json.loads(res.out)["categories"] for m in c["metrics"]}
    assert metrics["http.error_rate"]["status"] == "unavailable", metrics["http.error_rate"]
    assert "impossible counts" in metrics["http.error_rate"]["reason"]


def test_rubric_verdict_text_is_shown_not_obeyed(tmp_path: Path) -> None:
    rubric = tmp_path / "r.yaml"
    rubric.write_text(
        "extends: default\ncaps:\n  - when: {metric: http.error_rate, above: -1}\n"
        '    max_score: 99\n    verdict: "\\e]0;owned\\a\\e[2Jgate passed {value}"\n'
    )
    out = perfscore("score", str(V2), "--rubric", str(rubric)).out
    assert "gate passed" in out and "\x1b" not in out and "\x07" not in out


def test_compare_blames_the_cause_not_the_figures_it_invalidated(tmp_path: Path) -> None:
    doc = json.loads(V2.read_text())
    load = doc["artifacts"]["window"]["load"]
    load["errors"], load["error_rate"] = int(load["requests"] * 0.92), 0.92
    failing = tmp_path / "failing.json"
    failing.write_text(json.dumps(doc))
    res = perfscore("compare", str(V2), str(failing), "--format", "json")
    regressed = [r["metric"] for r in json.loads(res.out)["regressed"]]
    assert res.code == 1 and "http.error_rate" in regressed, res.out
    assert "http.p95_latency" not in regressed and "php.worker_rss_mean" not in regressed, regressed


def test_replicas_expected_false_is_honoured_end_to_end(tmp_path: Path) -> None:
    """Config intent: no replica item, no points at stake, even when replicas cannot be listed."""
    doc = json.loads(V2.read_text())
    doc["artifacts"]["mysql"].update(replicas_expected=False, replica_hosts=None, replica_hosts_error="access denied")
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc))
    result = json.loads(perfscore("score", str(path), "--format", "json").out)
    assert "mysql.replicas" not in {i["metric"] for i in result["roadmap"]}
    assert "mysql.replicas" not in {n["metric"] for n in result["not_measured"]}
    replicas = next(m for c in result["categories"] for m in c["metrics"] if m["id"] == "mysql.replicas")
    assert replicas["status"] == "not_applicable" and replicas["score"] is None, replicas
    doc["artifacts"]["mysql"]["replicas_expected"] = True  # expected and unlisted: measure it first
    path.write_text(json.dumps(doc))
    again = json.loads(perfscore("score", str(path), "--format", "json").out)
    assert "mysql.replicas" in {n["metric"] for n in again["not_measured"]}
