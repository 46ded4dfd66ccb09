"""``perfscore score`` re-derives a saved run's metrics from its artifacts; old runs score from their measurements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perfscore.audits import REGISTRY, derive
from perfscore.audits.base import measured
from perfscore.rubric import load_rubric
from perfscore.run import RUN_SCHEMA_VERSION, load_run
from perfscore.scoring import score_run
from tests.conftest import REPO, perfscore

V1 = REPO / "tests" / "fixtures" / "run-v1-reference-stack.json"  # saved by perfscore before artifacts
V2 = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"  # saved with artifacts
METRIC = "mysql.innodb_read_efficiency"


def _metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def test_a_run_saved_before_artifacts_still_scores() -> None:
    run = load_run(V1)
    assert run.schema_version == 1 and run.artifacts is None
    result = score_run(run, load_rubric())
    stored = {m["metric"]: m for m in json.loads(V1.read_text())["measurements"]}
    assert (
        _metric(result.model_dump(), "mysql.innodb_read_efficiency")["value"]
        == stored["mysql.innodb_read_efficiency"]["value"]
    )
    # Its evidence.summary became the typed summary.
    scal = next(m for c in result.categories for m in c.metrics if m.id == "load.max_throughput")
    assert scal.summary and "highest throughput" in scal.summary and "summary" not in scal.evidence
    res = perfscore("score", str(V1), "--format", "json")
    assert res.code in (0, 1), res.err
    assert json.loads(res.out)["score"] == pytest.approx(result.score)


def test_a_new_run_is_re_derived_not_read_back(tmp_path: Path) -> None:
    doc = json.loads(V2.read_text())
    assert doc["schema_version"] == RUN_SCHEMA_VERSION and doc["artifacts"]["mysql"]
    truth = next(m for m in doc["measurements"] if m["metric"] == METRIC)["value"]
    for m in doc["measurements"]:  # what a stale formula would have stored
        if m["metric"] == METRIC:
            m["value"] = 0.123
    tampered = tmp_path / "run.json"
    tampered.write_text(json.dumps(doc))
    res = perfscore("score", str(tampered), "--format", "json")
    assert res.code in (0, 1), res.err
    assert _metric(json.loads(res.out), METRIC)["value"] == pytest.approx(truth)


def test_a_changed_audit_formula_changes_the_rescore(monkeypatch: pytest.MonkeyPatch) -> None:
    run = load_run(V2)
    before = score_run(run, load_rubric())
    spec = REGISTRY[METRIC]
    monkeypatch.setitem(REGISTRY, METRIC, spec.__class__(**{**spec.__dict__, "fn": lambda s: measured(0.97)}))
    after = score_run(run, load_rubric())
    assert _metric(after.model_dump(), METRIC)["value"] == 0.97
    assert _metric(before.model_dump(), METRIC)["value"] != 0.97
    assert after.score != before.score


def test_derive_covers_every_declared_audit_and_explains_missing_artifacts() -> None:
    run = load_run(V2)
    stripped = run.model_copy(update={"artifacts": run.artifacts.model_copy(update={"redis": None})})  # type: ignore[union-attr]
    got = {m.metric: m for m in derive(stripped)}
    assert set(got) == set(REGISTRY)
    assert got["redis.hit_ratio"].status == "unavailable" and got["redis.hit_ratio"].reason
    assert got["mysql.innodb_read_efficiency"].status == "measured"


def test_a_buggy_audit_costs_its_metric_not_the_score(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(s: object) -> Any:
        raise ZeroDivisionError("float division by zero")

    spec = REGISTRY[METRIC]
    monkeypatch.setitem(REGISTRY, METRIC, spec.__class__(**{**spec.__dict__, "fn": broken}))
    got = {m.metric: m for m in derive(load_run(V2))}
    assert got[METRIC].status == "unavailable"
    assert got[METRIC].reason == "audit failed: ZeroDivisionError: float division by zero"
