"""k6-style thresholds on a load run: ``p95<200`` (ms), ``errors<1%``, ``rps>=1000``.

Metrics: p50, p90, p95, p99, max, mean (ms, of successful responses), rps (responses per second) and
errors (the error rate: ``1%`` or ``0.01``). Operators: ``<``, ``<=``, ``>``, ``>=``. A run with no
successful response has no latency: a latency threshold then fails (nothing met it).
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict

from perfscore.errors import PerfscoreError
from perfscore.loadmodel import LoadResult

METRICS = ("p50", "p90", "p95", "p99", "max", "mean", "rps", "errors")
_EXPR = re.compile(r"^\s*([a-z0-9]+)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*(%|ms)?\s*$")


class Threshold(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    expression: str
    metric: str
    op: str
    limit: float


class ThresholdOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    expression: str
    actual: float | None
    passed: bool


def parse_threshold(text: str) -> Threshold:
    m = _EXPR.match(text.lower())
    if not m or m.group(1) not in METRICS:
        raise PerfscoreError(
            f"--threshold {text!r}: expected METRIC OP VALUE with METRIC one of {', '.join(METRICS)} "
            "and OP one of < <= > >= (e.g. 'p95<200', 'errors<1%', 'rps>=1000')."
        )
    metric, op, number, unit = m.groups()
    limit = float(number)
    if unit == "%":
        if metric != "errors":
            raise PerfscoreError(f"--threshold {text!r}: only errors takes a percentage.")
        limit /= 100
    elif unit == "ms" and metric in ("rps", "errors"):
        raise PerfscoreError(f"--threshold {text!r}: {metric} is not in ms.")
    if not math.isfinite(limit):
        raise PerfscoreError(f"--threshold {text!r}: the limit must be a number.")
    if metric == "errors" and unit != "%" and limit >= 1:
        # 'errors<1' read as a ratio passes at 99 % errors: a gate that lies. Say which was meant.
        raise PerfscoreError(
            f"--threshold {text!r}: errors is a ratio from 0 to 1; write a percentage as {number}% "
            f"(errors{op}{number}%) or a ratio below 1 (errors{op}{limit / 100:g})."
        )
    return Threshold(expression=text.strip(), metric=metric, op=op, limit=limit)


def _actual(t: Threshold, r: LoadResult) -> float | None:
    if t.metric == "rps":
        return r.rps
    if t.metric == "errors":
        return r.error_rate
    if r.latency_ms is None:
        return None
    value = getattr(r.latency_ms, t.metric)
    return None if value is None else float(value)


def evaluate(thresholds: list[Threshold], r: LoadResult) -> list[ThresholdOutcome]:
    out = []
    for t in thresholds:
        v = _actual(t, r)
        ok = (
            v is not None
            and {
                "<": v < t.limit,
                "<=": v <= t.limit,
                ">": v > t.limit,
                ">=": v >= t.limit,
            }[t.op]
        )
        out.append(ThresholdOutcome(expression=t.expression, actual=v, passed=ok))
    return out
