"""Scoring: a pure, deterministic function of (Run, Rubric).

Rules (documented in README, "How scoring works"):

* A measured metric that meets its target scores 1; otherwise its curve says.
* A metric that is ``unavailable`` or missing from the run scores 0 and is
  listed under "not measured": failing to measure never raises a score.
* A metric reported ``not_applicable`` is left out of its category's mean
  only if the rubric allows it (``allow_not_applicable``); otherwise it is
  treated as unavailable.
* A metric ``insufficient_data`` (too few events in the window for a verdict, e.g. 7 new
  connections) is left out of its category's mean like an allowed ``not_applicable``: it was
  measured, but judging it either way would be a guess. It is never a roadmap fix, a gate
  failure or a regression, and reports list it with what would give a verdict.
* A rubric's validity rules make figures ``invalid`` (score 0, never a fix of their own) and its
  caps bound the overall score; both open every report as the verdict.
* Category score = weighted mean of its metric scores × 100; overall =
  Σ(category weight × category score) / Σ weights. Rounded once, at the end.
"""

from __future__ import annotations

from collections import Counter

from perfscore import __version__
from perfscore.audits import derive
from perfscore.result import CategoryResult, MetricResult, NotMeasured, Priority, Result, Targets
from perfscore.rubric.model import Rubric
from perfscore.run import Measurement, Run, unreached
from perfscore.scoring.advice import facts_of
from perfscore.scoring.core import Scored, apply_validity, fired_caps, overall_of, score_all
from perfscore.scoring.roadmap import build_roadmap, points_at_stake
from perfscore.scoring.scope import never_asked, out_of_scope, scope_line, scoped, unchosen_half
from perfscore.scoring.targets import retarget, run_slo

SHARED_DOUBT = 3  # scored figures sharing one low-confidence reason before the verdict repeats it


def priority_label(weighted_impact: float, measured: bool) -> Priority:
    if not measured:
        return "Not measured"
    if weighted_impact >= 1.0:
        return "High"
    if weighted_impact >= 0.5:
        return "Medium"
    if weighted_impact > 0.005:
        return "Low"
    return "Done"


def _metric_result(rubric: Rubric, mid: str, s: Scored, meas: Measurement | None) -> MetricResult:
    m = rubric.metrics[mid]
    return MetricResult(
        id=mid,
        title=m.title,
        category=m.category,
        weight=m.weight,
        value=s.value,
        unit=(meas.unit if meas and meas.unit else m.unit),
        score=None if s.score is None else round(s.score, 4),
        status=s.status,
        reason=s.reason,
        target=m.target,
        meets_target=s.meets_target,
        low_confidence=meas.low_confidence if meas else None,
        summary=meas.summary if meas else None,
        evidence=meas.evidence if meas else {},
        reference=m.remediation.reference,
    )


def _only_invalid(metrics: list[MetricResult]) -> bool:
    """The category's gap is all figures that measured something else (failures, a limiter): it has no
    priority of its own; the critical item that made them invalid has it."""
    short = [m for m in metrics if m.weight > 0 and m.status in ("measured", "invalid") and not m.meets_target]
    return bool(short) and all(m.status == "invalid" for m in short)


def _category_result(
    rubric: Rubric,
    cid: str,
    score: float,
    impact: float,
    rank: int,
    scored: dict[str, Scored],
    measurements: dict[str, Measurement],
) -> CategoryResult:
    metric_results = [_metric_result(rubric, mid, scored[mid], measurements.get(mid)) for mid in rubric.metrics_of(cid)]
    any_measured = any(r.status == "measured" for r in metric_results)
    return CategoryResult(
        id=cid,
        title=rubric.categories[cid].title,
        weight=rubric.categories[cid].weight,
        score=round(score, 2),
        points_needed=round(100.0 - score, 2),
        weighted_impact=round(impact, 2),
        priority=("Invalid" if _only_invalid(metric_results) else priority_label(impact, any_measured)),
        rank=rank,
        measured=any_measured,
        metrics=metric_results,
    )


def _verdict(
    caps: list[tuple[float, str, str]],
    invalid_because: list[str],
    scored: dict[str, Scored],
    measurements: dict[str, Measurement],
) -> list[str]:
    """The lines every report opens with: the tightest cap that applied, what made figures invalid, and
    a doubt several scored figures share (a dataset too small to judge, say)."""
    lines = [min(caps)[1]] if caps else []
    invalid = sum(1 for s in scored.values() if s.status == "invalid")
    figures = "1 figure is" if invalid == 1 else f"{invalid} figures are"
    lines += [f"{figures} invalid: {why}." for why in dict.fromkeys(invalid_because)]
    doubts = Counter(
        part
        for mid, s in scored.items()
        if s.status == "measured" and (m := measurements.get(mid)) and m.low_confidence
        for part in dict.fromkeys(m.low_confidence.split("; "))
    )
    lines += [f"{n} figures are low-confidence: {why}." for why, n in doubts.items() if n >= SHARED_DOUBT]
    return lines


def score_run(run: Run, rubric: Rubric) -> Result:
    """Re-derive the run's measurements from its artifacts (when it has them), then score them against the
    rubric re-targeted to the run's SLO (LoanFlow's KPIs when it saved none)."""
    slo = run_slo(run)
    rubric = rubric_in = retarget(rubric, slo)
    measurements = {m.metric: m for m in derive(run)}
    unscoped = out_of_scope(run, rubric, measurements)
    rubric = scoped(rubric, unscoped, never_asked(run, rubric, measurements) | unchosen_half(run, measurements))
    scored, invalid_because, causes = apply_validity(rubric, score_all(rubric, measurements))
    overall, cats = overall_of(rubric, scored)
    caps = fired_caps(rubric, scored)
    tightest = min((c[0] for c in caps), default=None)
    capped_at = tightest if tightest is not None and tightest < overall else None
    overall = min(overall, capped_at) if capped_at is not None else overall
    causes |= {c[2] for c in caps}
    causes |= {mid for mid, m in rubric.metrics.items() if m.remediation.critical and scored[mid].status == "measured"}

    impacts = {cid: (100.0 - s) * rubric.categories[cid].weight / 100.0 for cid, s in cats.items()}
    roadmap, phases = build_roadmap(rubric, scored, measurements, critical=causes, facts=facts_of(run, measurements))
    # One order everywhere: a category ranks where its first roadmap item stands; the rest by impact.
    first: dict[str, int] = {}
    for n, item in enumerate(roadmap):
        first.setdefault(item.category, n)
    order = sorted(rubric.categories, key=lambda c: (first.get(c, len(roadmap)), -round(impacts[c], 9), c))
    rank = {cid: i + 1 for i, cid in enumerate(order)}

    categories = [
        _category_result(rubric, cid, cats[cid], impacts[cid], rank[cid], scored, measurements).model_copy(
            update={"weight": rubric_in.categories[cid].weight}  # the rubric's, even when out of this run's scope
        )
        for cid in rubric.categories
    ]

    stake = points_at_stake(rubric, scored)
    partial = [
        f"{p.name} could not be measured ({p.message or 'no reason given'}): its figures score 0, a partial audit."
        for p in unreached(run)
    ]
    return Result(
        score=round(overall, 2),
        noise=run.noise,
        verdict=partial
        + _verdict(caps, invalid_because, scored, measurements)
        + [line for line in [scope_line(rubric_in, unscoped)] if line],
        capped_at=capped_at,
        rubric=rubric.name,
        rubric_version=rubric.version,
        targets=Targets.of(slo),
        tool_version=__version__,
        target=run.target,
        run_started_at=run.started_at,
        run_duration_s=run.duration_s,
        categories=categories,
        roadmap=roadmap,
        phases=phases,
        not_measured=sorted(
            (
                NotMeasured(
                    metric=r.id, category=c.id, reason=r.reason or "not measured", points=round(stake.get(r.id, 0), 2)
                )
                for c in categories
                for r in c.metrics
                if r.status == "unavailable"
            ),
            key=lambda n: -n.points,
        ),
        insufficient=[
            NotMeasured(metric=r.id, category=c.id, reason=r.reason or "too few events")
            for c in categories
            for r in c.metrics
            if r.status == "insufficient_data"
        ],
        unscored=sorted(mid for mid, m in measurements.items() if mid not in rubric.metrics and m.status == "measured"),
    )
