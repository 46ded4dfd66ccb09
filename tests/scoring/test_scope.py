"""A run is scored over what it set out to measure (issue 26): an imported load file or a load-only audit
is not 10/100 for the database nobody asked about; a probe that was tried and failed still scores 0."""

from __future__ import annotations

import json
from pathlib import Path

from perfscore.rubric import load_rubric
from perfscore.run import Measurement, ProbeReport, Run
from perfscore.scoring import score_run
from tests.conftest import perfscore

FIXTURES = Path(__file__).parents[1] / "imports" / "fixtures"
RUBRIC = load_rubric()


def _run(mysql: str) -> Run:
    good = [
        Measurement(metric=mid, status="measured", value=v, probe="window")
        for mid, v in (("http.p95_latency", 50.0), ("http.error_rate", 0.0), ("http.mean_latency", 20.0))
    ]
    db = [
        Measurement(metric=mid, status="unavailable", reason="no mysql section", probe="mysql")
        for mid, m in RUBRIC.metrics.items()
        if m.category == "database"
    ]
    probes = [ProbeReport(name="window", status="ok"), ProbeReport(name="mysql", status=mysql, message="no mysql")]
    return Run(measurements=good + db, probes=probes)


def test_a_category_nothing_was_asked_to_measure_is_left_out_and_said() -> None:
    skipped, failed = score_run(_run("skipped"), RUBRIC), score_run(_run("unavailable"), RUBRIC)
    assert skipped.score > failed.score  # a database that was not configured does not count as 0 ...
    assert any("not measured, so not scored" in v and "database performance" in v for v in skipped.verdict)
    assert not any("not scored" in v for v in failed.verdict)  # ... one that was tried and failed does
    assert skipped.category("database").weight == RUBRIC.categories["database"].weight  # shown as the rubric's
    assert all(i.category != "database" for i in skipped.roadmap)


def test_an_imported_k6_summary_is_scored_over_what_it_measured(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    res = perfscore("import", "k6", str(FIXTURES / "k6-summary.json"), "-f", "json", "-o", str(out))
    assert res.code in (0, 1), res.err
    doc = json.loads(out.read_text())
    assert doc["score"] > 40, doc["score"]  # was 10-13: the unmeasured categories counted 0
    assert any("The score is over what this run measured" in v for v in doc["verdict"]), doc["verdict"]
