"""The arithmetic of scoring, shared by the scorecard and the roadmap. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from perfscore.rubric.model import Metric, Rubric
from perfscore.run import Measurement, Status, Value

NO_PROBE = "no probe reported this metric"


@dataclass(frozen=True)
class Scored:
    """One metric's score before rounding; ``score`` None means excluded."""

    score: float | None
    status: Status
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
    if isinstance(value, float) and math.isnan(value):
        return Scored(0.0, "unavailable", None, "the probe returned no number", False)
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
