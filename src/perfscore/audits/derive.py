"""Re-derive a run's measurements from its artifacts (Lighthouse's ``-A``): a better audit re-scores old runs."""

from __future__ import annotations

from perfscore.audits.base import REGISTRY
from perfscore.run import Measurement, ProbeReport, Run


def _why_missing(artifact: str, report: ProbeReport | None) -> str:
    if report is None:
        return f"the run holds no {artifact} artifact"
    if report.status == "skipped":
        return f"not measured: {report.message or 'not configured'}"
    return report.message or f"the {artifact} probe gathered nothing"


def derive(run: Run) -> list[Measurement]:
    """Every declared audit on the run's artifacts; a run saved before artifacts keeps its measurements."""
    if run.artifacts is None:
        return list(run.measurements)
    reports = {p.name: p for p in run.probes}
    out = []
    for spec in REGISTRY.values():
        snapshot = getattr(run.artifacts, spec.reads)
        if snapshot is None:
            out.append(spec.missing(_why_missing(spec.reads, reports.get(spec.reads))))
        else:
            out.append(spec.run(snapshot))
    return out
