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
from perfscore.scoring.advice import Facts, choose
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


BYTES_PER_MS = 200.0  # Lighthouse's simulated mobile link (1.6 Mbps): bytes become time at this rate
MIN_SAVING_MS = 0.05  # below this an estimate is noise: ranked by points
CONSEQUENCES = ("scalability",)


def _saving(meas: Measurement | None) -> tuple[float | None, str | None]:
    """The item's measured saving per request, from its audit's evidence (``saving_ms``, ``saving_bytes``)."""
    if meas is None or meas.status != "measured":
        return None, None
    ev = meas.evidence
    if isinstance(ev.get("saving_ms"), int | float) and ev["saving_ms"] >= MIN_SAVING_MS:
        return float(ev["saving_ms"]), f"saves ~{ev['saving_ms']:,.2f} ms per request: {ev.get('saving_basis', '')}"
    if isinstance(ev.get("saving_bytes"), int | float) and ev["saving_bytes"] > 0:
        ms = ev["saving_bytes"] / BYTES_PER_MS
        return ms, f"saves ~{ev['saving_bytes'] / 1024:,.0f} KB per page (~{ms:,.0f} ms at 1.6 Mbps)"
    return None, None


def one_user_waits(rubric: Rubric, measurements: Mapping[str, Measurement]) -> tuple[str, str, float, float] | None:
    """(metric, endpoint, ms alone, target) when the slowest endpoint's time for one user alone (the
    latency audit's ``alone_ttfb_ms``) already exceeds that metric's target: then the time is in the work
    each request does, and throughput or workers are its consequence."""
    for mid, meas in measurements.items():
        alone = meas.evidence.get("alone_ttfb_ms")
        m = rubric.metrics.get(mid)
        if not isinstance(alone, dict) or not alone or m is None or isinstance(m.target, bool):
            continue
        ep, ms = max(alone.items(), key=lambda kv: float(kv[1] or 0))
        if float(ms or 0) > float(m.target):
            return mid, str(ep), float(ms), float(m.target)
    return None


def build_roadmap(
    rubric: Rubric,
    scored: Mapping[str, Scored],
    measurements: Mapping[str, Measurement],
    critical: set[str] | frozenset[str] = frozenset(),
    facts: Facts | None = None,
) -> tuple[list[RoadmapItem], list[PhaseResult]]:
    gains = {mid: g for mid, g in _gains(rubric, scored).items() if scored[mid].status != "unavailable"}
    now, _ = capped_overall(rubric, scored)
    failing = {mid for mid in critical if scored[mid].status == "measured" and not scored[mid].meets_target}
    for mid in failing | (critical & gains.keys()):  # a critical fix also lifts its caps: re-score in full
        gains[mid] = capped_overall(rubric, {**scored, mid: _at_target(rubric, mid)})[0] - now
    items: list[RoadmapItem] = []
    waits = one_user_waits(rubric, measurements)
    for mid, gain in gains.items():
        m = rubric.metrics[mid]
        r = m.remediation
        meas = measurements.get(mid)
        title, action, assumes = choose(r, facts or {})
        saving_ms, saving = _saving(meas)
        detail = _detail(meas)
        if waits is not None and mid == waits[0]:  # the page's own work: its single-user time over the target
            saving_ms = waits[2] - waits[3]
            saving = (
                f"saves up to ~{saving_ms:,.0f} ms per request: one user alone waits {waits[2]:,.0f} ms on "
                f"{waits[1]}, before any load"
            )
        elif waits is not None and m.category in CONSEQUENCES:
            saving_ms, saving = None, None
            detail = (
                f"follows from the work per request: one user alone already waits {waits[2]:,.0f} ms on {waits[1]}; "
                "fix the items above first" + (f". {detail}" if detail else "")
            )
        items.append(
            RoadmapItem(
                category=m.category,
                metric=mid,
                gain=round(gain, 2),
                gain_per_effort=round(gain / EFFORT_COST[r.effort], 3),
                title=title,
                action=(meas.advice if meas and meas.advice else action),
                assumes=assumes,
                effort=r.effort,
                phase=FIX_FIRST[0] if mid in critical else r.phase,
                critical=mid in critical,
                reference=r.reference,
                detail=detail,
                value=scored[mid].value,
                target=m.target,
                unit=(meas.unit if meas and meas.unit else m.unit),
                status=scored[mid].status,
                saving_ms=None if saving_ms is None else round(saving_ms, 3),
                saving=saving or "no measured saving: ranked by score points",
            )
        )

    def order(i: RoadmapItem) -> tuple[object, ...]:
        # Critical first; then what saves measured time, the most first; then the rest by points. When one
        # user already waits past the target, the work per request comes before its consequences.
        consequence = waits is not None and i.category in CONSEQUENCES
        saved = -(i.saving_ms or 0.0) if i.saving_ms is not None and not consequence else 0.0
        tier = 0 if i.saving_ms is not None else 1
        return (not i.critical, consequence, tier, saved, -gains[i.metric], -i.gain_per_effort, i.metric)

    items.sort(key=order)

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
            invalid = sum(1 for s in scored.values() if s.status == "invalid")
            phases.append(
                PhaseResult(
                    phase=phase,
                    name=names[phase],
                    metrics=in_phase,
                    gain=round(after - before, 2),
                    projected_score=round(after, 2),
                    note=(
                        f"then audit again: {invalid} figures are invalid until this is fixed, and count 0 in "
                        "this projection; re-measured, they decide the real score"
                        if phase == FIX_FIRST[0] and invalid
                        else None
                    ),
                )
            )
        before = after
    return items, phases
