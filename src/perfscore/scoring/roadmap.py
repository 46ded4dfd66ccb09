"""The gap-to-100 roadmap: a pure function of (Rubric, metric scores).

A recommendation's worth is the overall score with that metric at its target
minus the score without (Lighthouse prices an opportunity the same way).
Phases are cumulative: the projected score after phase k re-scores with every
metric of phases 1..k at its target.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfscore.result import PhaseResult, RoadmapItem
from perfscore.rubric.model import EFFORT_COST, Rubric
from perfscore.run import Measurement
from perfscore.scoring.core import Scored, overall_of

AT_TARGET = Scored(1.0, "measured", None, None, True)


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
        if s.score is None or s.meets_target:
            continue
        denom = metric_w_total[m.category]
        if denom <= 0 or cat_w_total <= 0:
            continue
        delta_cat = 100.0 * m.weight * (1.0 - s.score) / denom
        gains[mid] = delta_cat * rubric.categories[m.category].weight / cat_w_total
    return gains


def _detail(meas: Measurement | None) -> str | None:
    if meas is None:
        return None
    if meas.summary:
        return meas.summary
    return meas.reason if meas.status != "measured" else None


def build_roadmap(
    rubric: Rubric, scored: Mapping[str, Scored], measurements: Mapping[str, Measurement]
) -> tuple[list[RoadmapItem], list[PhaseResult]]:
    gains = _gains(rubric, scored)
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
                action=r.action,
                effort=r.effort,
                phase=r.phase,
                reference=r.reference,
                detail=_detail(meas),
                value=scored[mid].value,
                target=m.target,
                unit=(meas.unit if meas and meas.unit else m.unit),
                status=scored[mid].status,
            )
        )
    items.sort(key=lambda i: (-gains[i.metric], -i.gain_per_effort, i.metric))

    phases: list[PhaseResult] = []
    current = dict(scored)
    before, _ = overall_of(rubric, current)
    for phase in sorted(rubric.phases):
        in_phase = [i.metric for i in items if i.phase == phase]
        for mid in in_phase:
            current[mid] = AT_TARGET
        after, _ = overall_of(rubric, current)
        if in_phase:
            phases.append(
                PhaseResult(
                    phase=phase,
                    name=rubric.phases[phase],
                    metrics=in_phase,
                    gain=round(after - before, 2),
                    projected_score=round(after, 2),
                )
            )
        before = after
    return items, phases
