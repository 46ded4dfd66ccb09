"""A noise-aware regression gate (issue 26): repeated runs of an unchanged stack measure how far the score
and each metric move; a later drop within that noise is no regression, one beyond it is, with the metrics
that moved past their own noise named."""

from __future__ import annotations

from perfscore.gate import compare, evaluate
from perfscore.rubric import load_rubric
from perfscore.run import Measurement, load_run
from perfscore.scoring import score_run
from perfscore.scoring.aggregate import noise
from tests.conftest import REPO, perfscore

RUN = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"
METRIC = "http.p95_latency"  # ms, lower is better


def scored(**values: float):  # type: ignore[no-untyped-def]
    run = load_run(RUN)
    ms = [m for m in run.measurements if m.metric not in values]
    ms += [Measurement(metric=k.replace("__", "."), value=v) for k, v in values.items()]
    return score_run(run.model_copy(update={"measurements": ms, "artifacts": None}), load_rubric())


def test_repeated_runs_measure_the_spread_of_the_score_and_of_each_metric() -> None:
    runs = [scored(http__p95_latency=v) for v in (150.0, 260.0, 420.0)]
    spread = noise(runs)
    assert spread is not None and spread.runs == 3
    assert spread.score_spread == round(max(r.score for r in runs) - min(r.score for r in runs), 2) > 0
    assert set(spread.metrics) == {METRIC}  # only what moved
    assert noise(runs[:1]) is None


def test_a_drop_within_the_baselines_noise_passes_and_one_beyond_it_fails() -> None:
    runs = [scored(http__p95_latency=v) for v in (150.0, 260.0, 420.0)]
    spread = noise(runs)
    assert spread is not None
    baseline = runs[0].model_copy(update={"noise": spread})
    within = runs[2]  # the noisiest run of the same stack: a drop of spread.score_spread points
    gate = evaluate(within, baseline=baseline, max_drop=1.0)
    reg = next(c for c in gate if c.name == "regression")
    assert reg.passed and "the noise measured over 3 runs" in reg.message, reg.message
    assert METRIC not in {r.metric for r in compare(baseline, within).regressed}  # within its own noise
    beyond = scored(http__p95_latency=2000.0, mysql__query_p95_latency=400.0)
    reg = next(c for c in evaluate(beyond, baseline=baseline, max_drop=1.0) if c.name == "regression")
    assert not reg.passed and METRIC in reg.message and "mysql.query_p95_latency" in reg.message, reg.message
    # Without a measured noise the same drop within it fails: the allowance is max_drop alone.
    reg = next(c for c in evaluate(within, baseline=runs[0], max_drop=1.0) if c.name == "regression")
    assert not reg.passed


def test_the_noise_is_kept_in_the_saved_run_and_read_back_by_score(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runs = [scored(http__p95_latency=v) for v in (150.0, 420.0)]
    spread = noise(runs)
    path = tmp_path / "baseline-run.json"
    path.write_text(load_run(RUN).model_copy(update={"noise": spread}).model_dump_json())
    res = perfscore("score", str(path), "-f", "json")
    import json

    assert json.loads(res.out)["noise"]["score_spread"] == spread.score_spread  # type: ignore[union-attr]
