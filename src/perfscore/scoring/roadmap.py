"""The gap-to-100 roadmap: a pure function of (Rubric, metric scores).

A recommendation's worth is the overall score with that metric at its target
minus the score without (Lighthouse prices an opportunity the same way).
Phases are cumulative: the projected score after phase k re-scores with every
metric of phases 1..k at its target, with the rubric's caps applied to the
projected figures.

Critical items (a metric behind a validity rule or cap that fired, such as
the error rate of a failing app) lead the roadmap whatever their gain, in a
phase 0 of their own ("Fix first"); the other items' gains assume them fixed.
Invalid metrics and metrics not measured are never items: the first are
fixed by the critical items, the second need measuring, not fixing.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfscore.result import PhaseResult, RoadmapItem
from perfscore.rubric.model import EFFORT_COST, Rubric
from perfscore.run import Measurement
from perfscore.scoring.core import Scored, capped_overall

FIX_FIRST = (0, "Fix first")


def _at_target(rubric: Rubric, mid: str) -> Scored:
    return Scored(1.0, "measured", rubric.metrics[mid].target, None, True)


def _gains(rubric: Rubric, scored: Mapping[str, Scored]) -> dict[str, float]:
    """Overall points each below-target metric would add, re-scored incrementally.

    Moving one metric changes only its own category's weighted mean, so the
    re-score is exact and O(1) per metric (a run of 1,000 metrics stays fast).
    """
    cat_w_total = sum(c.weight for c in rubric.categories.values())
    metric_w_total: dict[str, float] = {cid: 0.0 for cid in rubric.categories}
    for mid, m in rubric.metrics.items():
        if scored[mid].score is not None:
            metric_w_total[m.category] += m.weight
    gains: dict[str, float] = {}
    for mid, m in rubric.metrics.items():
        s = scored[mid]
        if s.score is None or s.meets_target or s.status == "invalid" or m.weight <= 0:
            continue  # a weight of 0: reported, not scored, so never a fix
        denom = metric_w_total[m.category]
        if denom <= 0 or cat_w_total <= 0:
            continue
        delta_cat = 100.0 * m.weight * (1.0 - s.score) / denom
        gains[mid] = delta_cat * rubric.categories[m.category].weight / cat_w_total
    return gains


def points_at_stake(rubric: Rubric, scored: Mapping[str, Scored]) -> dict[str, float]:
    """Overall points each metric not measured would add if it were measured at its target."""
    return {mid: g for mid, g in _gains(rubric, scored).items() if scored[mid].status == "unavailable"}


def _detail(meas: Measurement | None) -> str | None:
    if meas is None:
        return None
    if meas.summary:
        return meas.summary
    return meas.reason if meas.status != "measured" else None


def build_roadmap(
    rubric: Rubric,
    scored: Mapping[str, Scored],
    measurements: Mapping[str, Measurement],
    critical: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[RoadmapItem], list[PhaseResult]]:
    gains = {mid: g for mid, g in _gains(rubric, scored).items() if scored[mid].status != "unavailable"}
    now, _ = capped_overall(rubric, scored)
    failing = {mid for mid in critical if scored[mid].status == "measured" and not scored[mid].meets_target}
    for mid in failing | (critical & gains.keys()):  # a critical fix also lifts its caps: re-score in full
        gains[mid] = capped_overall(rubric, {**scored, mid: _at_target(rubric, mid)})[0] - now
    items: list[RoadmapItem] = []
    for mid, gain in gains.items():
        m = rubric.metrics[mid]
        r = m.remediation
        meas = measurements.get(mid)
        items.append(
            RoadmapItem(
                category=m.category,
                metric=mid,
                gain=round(gain, 2),
                gain_per_effort=round(gain / EFFORT_COST[r.effort], 3),
                title=r.title,
                action=(meas.advice if meas and meas.advice else r.action),
                effort=r.effort,
                phase=FIX_FIRST[0] if mid in critical else r.phase,
                critical=mid in critical,
                reference=r.reference,
                detail=_detail(meas),
                value=scored[mid].value,
                target=m.target,
                unit=(meas.unit if meas and meas.unit else m.unit),
                status=scored[mid].status,
            )
        )
    items.sort(key=lambda i: (not i.critical, -gains[i.metric], -i.gain_per_effort, i.metric))

    phases: list[PhaseResult] = []
    current = dict(scored)
    before, _ = capped_overall(rubric, current)
    names = {FIX_FIRST[0]: FIX_FIRST[1], **rubric.phases}
    for phase in sorted(names):
        in_phase = [i.metric for i in items if i.phase == phase]
        for mid in in_phase:
            current[mid] = _at_target(rubric, mid)
        after, _ = capped_overall(rubric, current)
        if in_phase:
            phases.append(
                PhaseResult(
                    phase=phase,
                    name=names[phase],
                    metrics=in_phase,
                    gain=round(after - before, 2),
                    projected_score=round(after, 2),
                )
            )
        before = after
    return items, phases
