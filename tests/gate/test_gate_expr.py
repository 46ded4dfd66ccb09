"""The one gate language: one grammar and one evaluator for thresholds, floors and budgets."""

from __future__ import annotations

import pytest

from perfscore import gate_expr
from perfscore.errors import PerfscoreError
from perfscore.gate import rules
from perfscore.load.thresholds import parse_threshold


@pytest.mark.parametrize(
    ("text", "metric", "op", "limit", "unit"),
    [
        ("p95<200", "p95", "<", 200.0, None),
        ("http.p95_latency<100ms", "http.p95_latency", "<", 100.0, "ms"),
        ("http.p95_latency <= 0.5 s", "http.p95_latency", "<=", 500.0, "s"),
        ("errors<1%", "errors", "<", 0.01, "%"),
        ("RPS>=1000", "rps", ">=", 1000.0, None),
    ],
)
def test_any_metric_op_value_unit_parses(text: str, metric: str, op: str, limit: float, unit: str | None) -> None:
    e = gate_expr.parse(text)
    assert e is not None and (e.metric, e.op, e.unit) == (metric, op, unit)
    assert e.limit == pytest.approx(limit) and e.text == text.strip() and e.level == "error"


@pytest.mark.parametrize("text", ["p95", "p95=3", "p95<", "<3", "p95<3furlongs", "p95<1e3", "p95<-3"])
def test_what_is_not_an_expression(text: str) -> None:
    assert gate_expr.parse(text) is None


def test_one_evaluator_for_thresholds_and_floors() -> None:
    values = {"p95": 150.0, "score": 89.5, "category.database": 91.0, "score.drop": 2.0}
    exprs = [parse_threshold("p95<200"), *rules(90, {"database": 90}, 1.5)]
    outcomes = gate_expr.evaluate(exprs, values.get)
    assert [o.passed for o in outcomes] == [True, False, True, False]
    assert [e.text for e in exprs] == ["p95<200", "score>=90", "category.database>=90", "score.drop<=1.5"]
    assert not gate_expr.evaluate([parse_threshold("p95<200")], lambda _: None)[0].passed  # nothing measured


def test_threshold_vocabulary_is_the_load_runs() -> None:
    with pytest.raises(PerfscoreError, match="expected METRIC OP VALUE"):
        parse_threshold("p95<1s")  # a unit of the language a threshold does not take (as before)
    with pytest.raises(PerfscoreError, match="only errors takes a percentage"):
        parse_threshold("p95<3%")
