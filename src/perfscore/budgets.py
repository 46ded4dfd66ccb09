"""Budgets: a limit on any metric of the run, as Lighthouse CI's assertions and k6's thresholds.

``--assert 'http.p95_latency<100ms'`` or, in the config, ``gate.budgets: [{metric: http.p95_latency,
budget: "<100ms"}]``. A budget is a rule of the gate language (:mod:`perfscore.gate_expr`) whose metric is
a metric id (the rubric's, or any audit's); this module holds its vocabulary: which ids exist, which units
each takes, and what a refusal says. ``:warn`` (``level: warn``) reports a broken budget without failing
the gate; an error budget on a metric that was not measured fails, saying so: a budget is never met by
nothing.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from perfscore import gate_expr
from perfscore.errors import PerfscoreError
from perfscore.gate_expr import Expr
from perfscore.result import MetricResult, Result

# The metric's unit -> the units a budget on it may be written in (None: a bare number, in the metric's unit).
TIME_UNITS = (None, "ms", "s")
RATIO_UNITS = (None, "%")
EXAMPLES = "e.g. 'http.p95_latency<100ms', 'http.error_rate<0.1%:warn', 'redis.hit_ratio>=90%'"


def known_metrics(rubric_units: Mapping[str, str]) -> dict[str, str]:
    """Every metric id a budget may name, with its unit: the rubric's metrics and every audit's."""
    from perfscore.audits import REGISTRY

    return {**{mid: spec.unit for mid, spec in REGISTRY.items()}, **rubric_units}


def parse_budget(text: str, metrics: Mapping[str, str], where: str = "--assert") -> Expr:
    """``METRIC OP VALUE[UNIT][:warn|:error]`` checked against ``metrics`` (id -> unit); exit 2 otherwise."""
    expr = gate_expr.parse_with_level(text)
    if expr is None:
        raise PerfscoreError(
            f"{where} {text!r}: expected METRIC OP VALUE[UNIT][:warn] with OP one of < <= > >= and UNIT "
            f"ms, s or % ({EXAMPLES})."
        )
    if expr.metric not in metrics:
        close = difflib.get_close_matches(expr.metric, list(metrics), n=5, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; 'perfscore rubric show' lists them."
        raise PerfscoreError(f"{where} {text!r}: unknown metric {expr.metric!r}{hint}")
    unit = metrics[expr.metric]
    allowed = TIME_UNITS if unit == "ms" else RATIO_UNITS if unit == "ratio" else (None,)
    if expr.unit not in allowed:
        said = {"ms": "in ms (or s)", "ratio": "a ratio (0.05, or 5%)"}.get(unit, f"in {unit}" if unit else "a number")
        raise PerfscoreError(f"{where} {text!r}: {expr.metric} is {said}; it does not take {expr.unit!r}.")
    if not math.isfinite(expr.limit):
        raise PerfscoreError(f"{where} {text!r}: the limit must be a number.")
    if unit == "ratio" and expr.unit is None and expr.limit >= 1:
        # 'http.error_rate<1' read as a ratio passes at 99 % errors: a budget that lies. Say which was meant.
        raise PerfscoreError(
            f"{where} {text!r}: {expr.metric} is a ratio from 0 to 1; write a percentage as "
            f"{expr.number}% or a ratio below 1."
        )
    return expr


def parse_budgets(texts: Iterable[tuple[str, str]], metrics: Mapping[str, str]) -> list[Expr]:
    """Each ``(text, where)`` parsed; ``where`` names its source in a refusal (--assert, gate.budgets[2])."""
    return [parse_budget(text, metrics, where) for text, where in texts]


@dataclass(frozen=True)
class BudgetOutcome:
    expr: Expr
    actual: float | None
    passed: bool
    message: str


def _value(m: MetricResult | None) -> float | None:
    if m is None or m.status != "measured" or m.value is None or isinstance(m.value, str):
        return None
    return float(m.value)


def _why_not(m: MetricResult | None) -> str:
    if m is None:
        return "not measured: the rubric does not score it, so the result has no value"
    if m.status == "measured":
        return "not measured: no value"
    return f"not measured ({m.status.replace('_', ' ')}): {m.reason or 'no reason given'}"


def _shown(value: float, unit: str, expr: Expr) -> str:
    """The value in the unit the budget was written in (188 ms against <100ms, 2.5 % against <1%)."""
    if expr.unit == "s":
        return f"{value / 1000:.4g} s"
    if expr.unit == "%" or unit == "ratio":
        return f"{value * 100:.4g} %"
    return f"{value:.4g} {unit}".strip()


def evaluate(budgets: list[Expr], result: Result) -> list[BudgetOutcome]:
    """Each budget against the result's metric values; a metric not measured meets no budget."""
    metrics = {m.id: m for c in result.categories for m in c.metrics}
    out = []
    for o in gate_expr.evaluate(budgets, lambda mid: _value(metrics.get(mid))):
        e, m = o.expr, metrics.get(o.expr.metric)
        limit = f"{e.op} {e.number}{e.unit or ''}"
        if o.actual is None:
            message = f"{e.metric} {_why_not(m)}; budget {limit}"
        else:
            shown = _shown(o.actual, m.unit if m else "", e)
            message = f"{e.metric} {shown}, budget {limit}" + ("" if o.passed else ": not met")
        out.append(BudgetOutcome(expr=e, actual=o.actual, passed=o.passed, message=message))
    return out
