"""The site's SLO sets the absolute targets: the rubric's SLO-linked metrics follow it, curves keep their shape,
the SLO travels in the saved run, and a run without one is judged by LoanFlow's KPIs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from perfscore.artifacts import Artifacts
from perfscore.artifacts.ramp import RampSnapshot, RampStep
from perfscore.artifacts.slo import LOANFLOW, SloSnapshot
from perfscore.curves import LogNormalCurve, PiecewiseCurve
from perfscore.rubric import load_rubric
from perfscore.run import Run, load_run, save_run
from perfscore.scoring import score_run
from perfscore.scoring.targets import retarget, retarget_metric, run_slo
from tests.conftest import REPO, perfscore

RUBRIC = load_rubric()
BLOG = SloSnapshot(peak_rps=50, concurrent_users=200, p95_ms=400, p99_ms=1000, error_rate=0.01, custom=True)
LINKED = {
    "load.max_throughput": "peak_rps",
    "load.max_concurrency": "concurrent_users",
    "mysql.peak_queries_per_second": "peak_rps",
    "http.p95_latency": "p95_ms",
    "http.mean_latency": "p95_ms",
    "http.p99_latency": "p99_ms",
    "http.error_rate": "error_rate",
    "field.p95_latency": "p95_ms",  # the users' figures, judged by the same SLO as the lab's
    "field.error_rate": "error_rate",
}


def test_the_default_rubric_links_the_seed_kpis_to_the_slo() -> None:
    assert {mid: m.slo for mid, m in RUBRIC.metrics.items() if m.slo} == LINKED
    # LoanFlow's KPIs are what the rubric states: the default SLO moves nothing.
    assert retarget(RUBRIC, LOANFLOW) is RUBRIC
    assert RUBRIC.metrics["load.max_throughput"].target == LOANFLOW.peak_rps
    assert RUBRIC.metrics["mysql.peak_queries_per_second"].target == 10 * LOANFLOW.peak_rps


def test_retargeting_scales_target_and_curve_alike() -> None:
    r = retarget(RUBRIC, BLOG)
    t = r.metrics["load.max_throughput"]
    assert t.target == pytest.approx(50)
    assert isinstance(t.curve, LogNormalCurve) and (t.curve.p10, t.curve.median) == pytest.approx((50, 15))
    assert r.metrics["load.max_concurrency"].target == pytest.approx(200)
    assert r.metrics["mysql.peak_queries_per_second"].target == pytest.approx(500)  # peak_rps × 10
    assert r.metrics["http.p95_latency"].target == pytest.approx(400)
    assert r.metrics["http.p99_latency"].target == pytest.approx(1000)
    err = r.metrics["http.error_rate"]
    assert err.target == pytest.approx(0.01)
    assert isinstance(err.curve, PiecewiseCurve) and [x for x, _ in err.curve.points] == pytest.approx([0.01, 0.1, 0.5])
    # Unlinked metrics, and the rules, stay as they were.
    assert r.metrics["host.cpu_utilisation"] == RUBRIC.metrics["host.cpu_utilisation"]
    assert r.caps == RUBRIC.caps and r.validity == RUBRIC.validity
    assert set(r.metrics_of("scalability")) == set(RUBRIC.metrics_of("scalability"))


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9, 1.5])
def test_a_curve_keeps_its_shape(fraction: float) -> None:
    """Serving the same share of one's own target scores the same, whatever the target."""
    for mid, key in LINKED.items():
        before, after = RUBRIC.metrics[mid], retarget_metric(RUBRIC.metrics[mid], BLOG)
        scale = BLOG.value(key) / LOANFLOW.value(key)
        v = float(before.target) * fraction
        assert after.curve.score(v * scale) == pytest.approx(before.curve.score(v), abs=1e-9), mid
        assert after.meets_target(v * scale) == before.meets_target(v), mid


def _ramp_run(rps: float, users: int, slo: SloSnapshot | None) -> Run:
    step = RampStep(concurrency=users, rps=rps, p95_ms=50.0, error_rate=0.0)
    first = RampStep(concurrency=1, rps=rps / 4, p95_ms=10.0, error_rate=0.0)
    ramp = RampSnapshot(slo_p95_ms=200, slo_error_rate=0.001, steps=[first, step])
    return Run(artifacts=Artifacts(ramp=ramp, slo=slo))


def _metric(result: object, mid: str) -> object:
    return next(m for c in result.categories for m in c.metrics if m.id == mid)  # type: ignore[attr-defined]


def test_a_saved_run_scored_with_and_without_its_slo_gets_different_verdicts(tmp_path: Path) -> None:
    small = SloSnapshot(peak_rps=20, concurrent_users=50, custom=True)
    with_slo, without = tmp_path / "with.json", tmp_path / "without.json"
    save_run(_ramp_run(40.0, 64, small), with_slo)
    save_run(_ramp_run(40.0, 64, None), without)
    mine = score_run(load_run(with_slo), RUBRIC)
    seed = score_run(load_run(without), RUBRIC)
    t_mine, t_seed = _metric(mine, "load.max_throughput"), _metric(seed, "load.max_throughput")
    assert t_mine.value == t_seed.value == 40.0  # type: ignore[attr-defined]
    assert t_mine.target == 20 and t_mine.meets_target and t_mine.score == 1.0  # type: ignore[attr-defined]
    assert t_seed.target == 1000 and not t_seed.meets_target and t_seed.score < 0.1  # type: ignore[attr-defined]
    c_mine, c_seed = _metric(mine, "load.max_concurrency"), _metric(seed, "load.max_concurrency")
    assert c_mine.meets_target and not c_seed.meets_target  # type: ignore[attr-defined]
    assert mine.targets is not None and mine.targets.source == "slo" and mine.targets.peak_rps == 20
    assert seed.targets is not None and seed.targets.source == "default" and seed.targets.peak_rps == 1000
    assert mine.score > seed.score
    # The roadmap prices the fix against the same target.
    assert not any(i.metric == "load.max_throughput" for i in mine.roadmap)
    assert next(i for i in seed.roadmap if i.metric == "load.max_throughput").target == 1000


def test_perfscore_score_reproduces_the_saved_slo(tmp_path: Path) -> None:
    run = tmp_path / "run.json"
    save_run(_ramp_run(40.0, 64, SloSnapshot(peak_rps=20, concurrent_users=50, custom=True)), run)
    res = perfscore("score", str(run), "-f", "json")
    doc = json.loads(res.out)
    assert doc["targets"]["source"] == "slo" and doc["targets"]["peak_rps"] == 20
    assert _json_metric(doc, "load.max_throughput")["target"] == 20


def _json_metric(doc: dict[str, object], mid: str) -> dict[str, object]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)  # type: ignore[attr-defined,index]


def test_older_runs_are_judged_by_loanflows_kpis() -> None:
    old = load_run(REPO / "tests" / "fixtures" / "run-v1-reference-stack.json")
    assert run_slo(old) == LOANFLOW
    result = score_run(old, RUBRIC)
    assert result.targets is not None and result.targets.source == "default"
    assert "LoanFlow KPIs (default; set slo: in your config)" in result.targets.summary


def test_the_rubric_refuses_slo_on_a_yes_no_or_non_positive_target(tmp_path: Path) -> None:
    for metric, body in (
        ("http.no_exposed_files", "slo: peak_rps"),
        ("load.max_throughput", "target: 0"),
        ("load.max_throughput", "slo: rps"),
    ):
        path = tmp_path / "r.yaml"
        path.write_text(f"extends: default\nmetrics:\n  {metric}:\n    {body}\n")
        res = perfscore("rubric", "validate", str(path))
        assert res.code == 2 and "Traceback" not in res.err, res.err
        assert "slo" in res.err, res.err


def test_scaling_keeps_lognormal_direction() -> None:
    tiny = SloSnapshot(peak_rps=0.5, concurrent_users=1, custom=True)
    t = retarget(RUBRIC, tiny).metrics["load.max_throughput"]
    assert t.effective_direction == "higher" and math.isclose(float(t.target), 0.5)
