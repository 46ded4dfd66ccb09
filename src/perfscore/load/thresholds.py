"""k6-style thresholds on a load run: ``p95<200`` (ms), ``errors<1%``, ``rps>=1000``.

Metrics: p50, p90, p95, p99, max, mean (ms, of successful responses), rps (responses per second) and
errors (the error rate: ``1%`` or ``0.01``). Operators: ``<``, ``<=``, ``>``, ``>=``. A run with no
successful response has no latency: a latency threshold then fails (nothing met it).

The grammar and the evaluator are the gate language's (:mod:`perfscore.gate_expr`); this module holds the
load run's vocabulary: which metrics exist, which units each takes, and what a refusal says.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from perfscore import gate_expr
from perfscore.errors import PerfscoreError
from perfscore.gate_expr import Expr
from perfscore.loadmodel import LoadResult

METRICS = ("p50", "p90", "p95", "p99", "max", "mean", "rps", "errors")
UNITS = (None, "%", "ms")  # of gate_expr.UNITS, the ones a threshold takes

Threshold = Expr  # a threshold is a gate expression over a load run's metrics


class ThresholdOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    expression: str
    actual: float | None
    passed: bool


def parse_threshold(text: str) -> Threshold:
    expr = gate_expr.parse(text)
    if expr is None or expr.metric not in METRICS or expr.unit not in UNITS:
        raise PerfscoreError(
            f"--threshold {text!r}: expected METRIC OP VALUE with METRIC one of {', '.join(METRICS)} "
            "and OP one of < <= > >= (e.g. 'p95<200', 'errors<1%', 'rps>=1000')."
        )
    metric, op, number, unit, limit = expr.metric, expr.op, expr.number, expr.unit, expr.limit
    if unit == "%" and metric != "errors":
        raise PerfscoreError(f"--threshold {text!r}: only errors takes a percentage.")
    if unit == "ms" and metric in ("rps", "errors"):
        raise PerfscoreError(f"--threshold {text!r}: {metric} is not in ms.")
    if not math.isfinite(limit):
        raise PerfscoreError(f"--threshold {text!r}: the limit must be a number.")
    if metric == "errors" and unit != "%" and limit >= 1:
        # 'errors<1' read as a ratio passes at 99 % errors: a gate that lies. Say which was meant.
        raise PerfscoreError(
            f"--threshold {text!r}: errors is a ratio from 0 to 1; write a percentage as {number}% "
            f"(errors{op}{number}%) or a ratio below 1 (errors{op}{limit / 100:g})."
        )
    return expr


def actual(r: LoadResult, metric: str) -> float | None:
    """A load run's value of one threshold metric (None: the run has none, e.g. no latency)."""
    if metric == "rps":
        return r.rps
    if metric == "errors":
        return r.error_rate
    if r.latency_ms is None:
        return None
    value = getattr(r.latency_ms, metric)
    return None if value is None else float(value)


def evaluate(thresholds: list[Threshold], r: LoadResult) -> list[ThresholdOutcome]:
    return [
        ThresholdOutcome(expression=o.expr.text, actual=o.actual, passed=o.passed)
        for o in gate_expr.evaluate(thresholds, lambda metric: actual(r, metric))
    ]
