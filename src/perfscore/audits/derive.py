"""Re-derive a run's measurements from its artifacts (Lighthouse's ``-A``): a better audit re-scores old runs."""

from __future__ import annotations

from perfscore.audits.base import REGISTRY
from perfscore.run import Measurement, ProbeReport, Run

# Artifacts whose absence means the stack has no such part (one host) or the audit was not asked for it
# (faults are opt-in), not that a probe failed: their metrics are not applicable, never a gap or a fix.
SINGLE_HOST_MISSING = {
    "cluster": "one host: no prometheus, hosts or mysql.replicas in the config",
    "resilience": "no faults were injected (audit.resilience in the config and audit --faults)",
}


def _why_missing(artifact: str, report: ProbeReport | None) -> str:
    if report is None:
        return f"the run holds no {artifact} artifact"
    if report.status == "skipped":
        return f"not measured: {report.message or 'not configured'}"
    return report.message or f"the {artifact} probe gathered nothing"


def derive(run: Run) -> list[Measurement]:
    """Every declared audit on the run's artifacts; a run saved before artifacts keeps its measurements."""
    if run.artifacts is None:  # as it was saved, and the metrics of what it predates: faults (opt-in)
        held = {m.metric for m in run.measurements}
        return list(run.measurements) + [
            spec.missing(SINGLE_HOST_MISSING[spec.reads], applicable=False)
            for spec in REGISTRY.values()
            if spec.reads == "resilience" and spec.id not in held
        ]
    reports = {p.name: p for p in run.probes}
    out = []
    for spec in REGISTRY.values():
        names = (spec.reads, *spec.also)
        snapshots = [getattr(run.artifacts, name) for name in names]
        missing = next(
            (n for n, snap in zip(names, snapshots, strict=True) if snap is None and n not in spec.optional), None
        )
        if missing is not None:
            report = reports.get(missing)
            if missing in SINGLE_HOST_MISSING and (report is None or report.status == "skipped"):
                # A stack on one host has no cluster to audit, an audit without --faults no recovery time.
                out.append(spec.missing(SINGLE_HOST_MISSING[missing], applicable=False))
            else:
                out.append(spec.missing(_why_missing(missing, report)))
        else:
            out.append(spec.run(*snapshots))
    return out
