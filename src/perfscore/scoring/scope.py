"""What a run set out to measure: categories no probe was asked to measure are left out of its score.

A load-only audit or an imported k6/JMeter/Locust file measures response time, errors and scalability;
scoring its database, cache and memory at 0 would headline 10-13/100 for a clean run. A category is out
of scope when none of its metrics gave a figure and no probe behind them failed: each was skipped (not
configured), absent (an import has none) or ran without the figure (an imported window has no host
meter). A probe that was tried and failed (a wrong port, a refused password) keeps its category in the
score at 0: failing to measure never raises a score.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfscore.audits.field import GAP, HALVES
from perfscore.audits.field_db import FIELD_ONLY
from perfscore.rubric.model import Rubric
from perfscore.run import Measurement, Run


def out_of_scope(run: Run, rubric: Rubric, measurements: Mapping[str, Measurement]) -> dict[str, str]:
    """Category id → why it was not measured, for the categories nothing was asked to measure."""
    failed = {p.name for p in run.probes if p.status in ("unavailable", "partial")}
    skipped = {p.name: p.message or "not configured" for p in run.probes if p.status == "skipped"}
    out: dict[str, str] = {}
    for cid in rubric.categories:
        metrics = [mid for mid, m in rubric.metrics.items() if m.category == cid and m.weight > 0]
        if not metrics:
            continue
        found = [measurements.get(mid) for mid in metrics]
        if any(m is not None and m.status not in ("unavailable", "not_applicable") for m in found):
            continue
        if any(m is None for m in found):
            continue  # a rubric metric the run does not hold at all: it stays, at 0
        probes = {m.probe for m in found if m is not None}
        if None in probes or probes & failed:
            continue  # a figure of no probe, or a probe that failed: it stays, at 0
        reasons = sorted({skipped[p] for p in probes if p in skipped}) or ["this run holds no figure of it"]
        out[cid] = "; ".join(reasons)[:300]
    return out


def never_asked(run: Run, rubric: Rubric, measurements: Mapping[str, Measurement]) -> set[str]:
    """Metrics without a figure whose probe the run says was skipped (not configured: ``scalability:
    false``, no Prometheus; not in an imported file): they need measuring, and are not scored at 0. A probe
    the run does not mention (a saved run older than the probe) keeps its metrics at 0, as they were."""
    skipped = {p.name for p in run.probes if p.status == "skipped"}
    return {
        mid
        for mid in rubric.metrics
        if (m := measurements.get(mid)) is not None
        and m.status in ("unavailable", "not_applicable")
        and m.probe in skipped
    }


def scoped(rubric: Rubric, out: Mapping[str, str], unasked: set[str] | frozenset[str] = frozenset()) -> Rubric:
    """The rubric with the out-of-scope categories, and the metrics nothing was asked to measure, at weight
    0: the score, the gains and the phases are then over what was measured (weights need not sum to 100)."""
    everything = len(out) == len(rubric.categories)
    cats = {
        cid: c.model_copy(update={"weight": 0.0}) if cid in out and not everything else c
        for cid, c in rubric.categories.items()
    }
    metrics = {
        mid: m.model_copy(update={"weight": 0.0})
        if mid in unasked
        and any(
            k != mid and k not in unasked and o.category == m.category and o.weight > 0
            for k, o in rubric.metrics.items()
        )
        else m
        for mid, m in rubric.metrics.items()
    }
    return rubric.model_copy(update={"categories": cats, "metrics": metrics})


def scope_line(rubric: Rubric, out: Mapping[str, str]) -> str | None:
    """The headline's caveat: which categories the score is over, which were not measured."""
    if not out or len(out) == len(rubric.categories):
        return None
    kept = [c.title.lower() for cid, c in rubric.categories.items() if cid not in out]
    share = sum(c.weight for cid, c in rubric.categories.items() if cid not in out)
    left = ", ".join(rubric.categories[cid].title.lower() for cid in out)
    return (
        f"The score is over what this run measured ({', '.join(kept)}: {share:g} % of the rubric's weight); "
        f"not measured, so not scored: {left}."
    )


def unchosen_half(run: Run, measurements: Mapping[str, Measurement]) -> set[str]:
    """Of each lab/field pair, the one the run does not score: the lab's when the config reads access logs
    with ``field.scores: field`` (the default) and the users' figure was measured; else the field's (no
    logs, ``scores: lab``, or too few users' requests): a figure is never scored twice, nor lost."""
    f = run.artifacts.field if run.artifacts is not None else None
    out = set()
    for lab, field in HALVES.items():
        m = measurements.get(field)
        use_field = f is not None and f.scores == "field" and m is not None and m.status == "measured"
        out.add(lab if use_field else field)
    if f is None:
        out |= {GAP, FIELD_ONLY}  # no logs read: nothing to compare, not a gap; no users' period
    return out
