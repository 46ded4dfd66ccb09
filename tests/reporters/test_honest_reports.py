"""What reports say must be true (issue 26): weight-0 metrics are reported, not judged (never "below
target", never a regression); "Every metric meets its target." only when so; the ramp chart plots successes."""

from __future__ import annotations

from types import SimpleNamespace

from perfscore.gate import compare
from perfscore.rubric import load_rubric
from perfscore.run import Measurement, load_run
from perfscore.scoring import score_run
from tests.conftest import REPO, perfscore

RUN = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"


def _with(mid: str, value: float):  # type: ignore[no-untyped-def]
    run = load_run(RUN)
    ms = [m for m in run.measurements if m.metric != mid] + [Measurement(metric=mid, value=value)]
    return run.model_copy(update={"measurements": ms, "artifacts": None})


def test_a_weight_0_metric_that_worsens_is_no_regression_and_not_below_target() -> None:
    rubric = load_rubric()
    mid = "php.worker_rss_max"  # MB, lower is better, target 128, weight 0
    assert rubric.metrics[mid].weight == 0
    before, after = score_run(_with(mid, 40.0), rubric), score_run(_with(mid, 900.0), rubric)
    m = next(x for c in after.categories for x in c.metrics if x.id == mid)
    assert m.status == "measured" and not m.meets_target  # it is below its target …
    assert mid not in {r.metric for r in compare(before, after).regressed}  # … and no regression
    scored = next(x for c in after.categories for x in c.metrics if x.weight > 0 and x.status == "measured")
    lower = rubric.metrics[scored.id].effective_direction == "lower"
    worse = score_run(_with(scored.id, 1e9 if lower else 0.0), rubric)
    assert scored.id in {r.metric for r in compare(before, worse).regressed}  # a scored one is


def test_the_terminal_report_lists_no_weight_0_metric_below_target(tmp_path) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "run.json"
    run.write_text(_with("php.worker_rss_max", 900.0).model_dump_json())  # far past its 128 MB target
    out = perfscore("score", str(run), "-f", "terminal", env={"COLUMNS": "200"}).out
    below = out[out.index("Metrics below target") : out.index("roadmap")]
    assert below.count("\n") > 3, below  # the table is there, with the scored metrics below target
    assert "php.worker_rss_max" not in below, below


def test_nothing_to_fix_says_every_metric_meets_its_target_only_when_true() -> None:
    from perfscore.reporters.values import nothing_to_fix

    def result(*metrics: tuple[float, str, bool]):  # type: ignore[no-untyped-def]
        ms = [SimpleNamespace(weight=w, status=s, meets_target=ok) for w, s, ok in metrics]
        return SimpleNamespace(categories=[SimpleNamespace(metrics=ms)])

    assert nothing_to_fix(result((1, "measured", True), (0, "measured", False))) == "Every metric meets its target."
    said = nothing_to_fix(result((1, "measured", True), (2, "unavailable", False)))
    assert said.startswith("No fix to propose") and "1 scored metric was not measured" in said
    assert "below target" in nothing_to_fix(result((1, "measured", False)))


def test_the_ramp_chart_plots_successes_on_an_axis_failed_steps_do_not_set() -> None:
    import re

    from perfscore.reporters.html_charts import ramp_chart

    steps = [
        {"concurrency": 1, "rps": 1000.0, "error_rate": 0.0, "p95_ms": 2.0, "meets_slo": True},
        {"concurrency": 64, "rps": 1500.0, "error_rate": 0.0, "p95_ms": 40.0, "meets_slo": True, "abandoned": 37},
        {"concurrency": 5000, "rps": 17440.0, "error_rate": 0.96, "p95_ms": 2000.0, "meets_slo": False},
    ]
    svg = ramp_chart(steps, 200)
    axis = [float(t.replace(",", "")) for t in re.findall(r'fill="#1a5c8a">([\d,.]+)</text>', svg)]
    assert max(axis) == 1650  # 1.1 x the best step's 1,500 successes/s, not the failed step's 17,440 req/s
    assert "96% errors" in svg and "e+" not in svg and "successful requests/s" in svg
    assert svg.count("cut off at the step's end") == 1 and "37 cut off at the step's end (left out)" in svg
