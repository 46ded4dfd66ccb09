"""The arithmetic of scoring, shared by the scorecard and the roadmap. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from perfscore.rubric.model import Condition, Metric, Rubric
from perfscore.run import Measurement, MetricStatus, Value

NO_PROBE = "no probe reported this metric"


@dataclass(frozen=True)
class Scored:
    """One metric's score before rounding; ``score`` None means excluded."""

    score: float | None
    status: MetricStatus
    value: Value
    reason: str | None
    meets_target: bool


def score_metric(metric: Metric, meas: Measurement | None) -> Scored:
    if meas is None:
        return Scored(0.0, "unavailable", None, NO_PROBE, False)
    if meas.status == "insufficient_data":
        return Scored(None, "insufficient_data", meas.value, meas.reason or "too few events to judge", False)
    if meas.status == "not_applicable":
        if metric.allow_not_applicable:
            return Scored(None, "not_applicable", meas.value, meas.reason, True)
        why = meas.reason or "reported as not applicable"
        return Scored(0.0, "unavailable", meas.value, f"{why} (this rubric requires it)", False)
    if meas.status == "unavailable" or meas.value is None:
        return Scored(0.0, "unavailable", meas.value, meas.reason or "not measured", False)
    value = meas.value
    if isinstance(value, float) and not math.isfinite(value):
        return Scored(0.0, "unavailable", None, "the probe returned no number", False)
    if meas.unit and metric.unit and meas.unit != metric.unit:
        return Scored(0.0, "unavailable", None, f"measured in {meas.unit!r}; the rubric scores {metric.unit!r}", False)
    if isinstance(value, bool) != (metric.effective_direction == "boolean"):
        kind = "a yes/no" if metric.effective_direction == "boolean" else "a number"
        return Scored(0.0, "unavailable", None, f"the run holds {value!r} where the rubric scores {kind}", False)
    if metric.meets_target(value):
        return Scored(1.0, "measured", value, None, True)
    return Scored(min(metric.curve.score(value), 1.0), "measured", value, None, False)


def category_score(rubric: Rubric, cid: str, scored: Mapping[str, Scored]) -> float:
    total_w = 0.0
    acc = 0.0
    for mid, m in rubric.metrics_of(cid).items():
        s = scored[mid].score
        if s is None:
            continue
        total_w += m.weight
        acc += m.weight * s
    return 100.0 * acc / total_w if total_w > 0 else 0.0


def overall_score(category_scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    total = sum(weights[c] for c in category_scores)
    if total <= 0:
        return 0.0
    return sum(weights[c] * s for c, s in category_scores.items()) / total


def score_all(rubric: Rubric, measurements: Mapping[str, Measurement]) -> dict[str, Scored]:
    return {mid: score_metric(m, measurements.get(mid)) for mid, m in rubric.metrics.items()}


def overall_of(rubric: Rubric, scored: Mapping[str, Scored]) -> tuple[float, dict[str, float]]:
    cats = {cid: category_score(rubric, cid, scored) for cid in rubric.categories}
    weights = {cid: c.weight for cid, c in rubric.categories.items()}
    return overall_score(cats, weights), cats


def _text(template: str, value: Value) -> str:
    shown = f"{value:.0%}" if isinstance(value, float) and 0 <= value <= 1 else str(value)
    return template.replace("{value}", shown)


def _holds(when: Condition, scored: Mapping[str, Scored]) -> Value:
    """The condition's value when it holds on a measured figure, else None."""
    s = scored.get(when.metric)
    if s is None or s.status != "measured" or not when.holds(s.value):
        return None
    return s.value if s.value is not None else True


def apply_validity(rubric: Rubric, scored: Mapping[str, Scored]) -> tuple[dict[str, Scored], list[str], set[str]]:
    """Invalidate what the rubric's validity rules say; the reasons, and the metrics behind them."""
    out = dict(scored)
    reasons: list[str] = []
    causes: set[str] = set()
    for rule in rubric.validity:
        value = _holds(rule.when, scored)
        if value is None:
            continue
        why = _text(rule.reason, value)
        reasons.append(why)
        causes.add(rule.when.metric)
        for mid in rule.invalidates:
            s = out[mid]
            if s.status in ("measured", "insufficient_data"):
                out[mid] = Scored(0.0, "invalid", s.value, why, False)
    return out, reasons, causes


def fired_caps(rubric: Rubric, scored: Mapping[str, Scored]) -> list[tuple[float, str, str]]:
    """(max score, verdict, metric) of every cap whose condition holds."""
    out = []
    for cap in rubric.caps:
        value = _holds(cap.when, scored)
        if value is not None:
            out.append((cap.max_score, _text(cap.verdict, value), cap.when.metric))
    return out


def capped_overall(rubric: Rubric, scored: Mapping[str, Scored]) -> tuple[float, dict[str, float]]:
    """The overall score with the rubric's caps applied, and the (uncapped) category scores."""
    overall, cats = overall_of(rubric, scored)
    caps = fired_caps(rubric, scored)
    return (min([overall] + [c[0] for c in caps]), cats)
