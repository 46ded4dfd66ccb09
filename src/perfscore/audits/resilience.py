"""Resilience audits: how long the app takes to come back after each named fault, and whether it keeps
serving through the faults it should survive (a cache or a replica down). Chaos Toolkit's method: a
steady-state hypothesis (each second: errors and p95 within the SLO), broken by the fault, restored when
it holds for ``steady_s`` seconds in a row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from perfscore.artifacts.cluster import ClusterSnapshot
from perfscore.artifacts.resilience import FaultResult, ResilienceSnapshot, Second
from perfscore.audits.base import Outcome, audit, insufficient, measured, not_applicable, unavailable

CATEGORY = "error_handling"  # how the app behaves when a part of it fails (README: Availability)


def steady(sec: Second, s: ResilienceSnapshot) -> bool:
    if sec.requests == 0:
        return False
    return sec.errors / sec.requests <= s.slo_error_rate and (sec.p95_ms is None or sec.p95_ms <= s.slo_p95_ms)


def recovery(f: FaultResult, s: ResilienceSnapshot) -> tuple[bool, float]:
    """(recovered, seconds from the fault's start to the end of its last unsteady second): 0 when the
    traffic never left its steady state; not recovered when fewer than ``steady_s`` steady seconds
    followed the last unsteady one."""
    after = [sec for sec in f.seconds if sec.t >= 0]
    unsteady = [sec.t for sec in after if not steady(sec, s)]
    if not unsteady:
        return True, 0.0
    last = max(unsteady)
    return sum(1 for sec in after if sec.t > last) >= f.steady_s, float(last + 1)


NEVER_S = 3600.0  # the recovery time of a fault the app did not come back from within the wait: an hour


def _line(f: FaultResult, s: ResilienceSnapshot) -> str:
    if f.error:
        return f"{f.name}: did not run ({f.error})"
    ok, took = recovery(f, s)
    failed = sum(f.errors_by_endpoint.values())
    where = ", ".join(f"{k} {v}" for k, v in sorted(f.errors_by_endpoint.items(), key=lambda kv: -kv[1])[:4])
    head = f"{f.name}: " + (
        "no effect on the traffic"
        if ok and took == 0
        else f"back in {took:g} s"
        if ok
        else f"did not come back within {f.waited_s:g} s of the undo (counted as an hour)"
    )
    undo = next((n for n in f.notes if n.startswith("the undo command")), None)
    return head + (f"; {failed:,} requests failed ({where})" if failed else "") + (f"; {undo}" if undo else "")


def _evidence(f: FaultResult, s: ResilienceSnapshot) -> dict[str, Any]:
    """One fault as every report lists it: when it began (UTC), its marks in seconds since then (in place,
    held, undo begun and done, recovered), what failed meanwhile and where."""
    ok, took = recovery(f, s)
    ran = not f.error
    # The first seven as the reports' fault table has them (the HTML evidence shows seven columns).
    return {
        "fault": f.name,
        "kind": f.kind,
        "started_at": datetime.fromtimestamp(f.started_at, UTC).isoformat(timespec="milliseconds"),
        "held_s": f.held_s,
        "undone_s": f.undone_s,
        "recovery_s": took if ok and ran else None,
        "failed": sum(f.errors_by_endpoint.values()),
        "recovered": ok if ran else None,
        "error": f.error,
        "returned_s": f.returned_s,
        "undo_started_s": f.undo_started_s,
        "fault_s": f.fault_s,
        "cut_at_bound": f.cut,
        "waited_s": f.waited_s,
        "errors_by_endpoint": f.errors_by_endpoint,
        "processes": f.processes,
        "notes": f.notes,
    }


@audit(
    "resilience.recovery_time",
    title="Recovery time after a fault",
    unit="s",
    category=CATEGORY,
    description="each configured fault under steady traffic: seconds until errors and p95 are back within the "
    "SLO for steady_s seconds in a row; the slowest fault; a fault it never recovered from within the wait counts "
    "an hour (past any target, however short the wait)",
    source="https://chaostoolkit.org/reference/concepts/#steady-state-hypothesis",
)
def recovery_time(s: ResilienceSnapshot) -> Outcome:
    ran = [f for f in s.faults if not f.error]
    if not ran:
        return unavailable("; ".join(_line(f, s) for f in s.faults) or "no fault ran")
    worst = 0.0
    for f in ran:
        ok, took = recovery(f, s)
        # Not back within its wait: past any target, however short the wait was (a 3 s wait is no 3 s recovery).
        worst = max(worst, took if ok else max(NEVER_S, f.fault_s + f.waited_s))
    never = [f.name for f in ran if not recovery(f, s)[0]]
    return measured(
        round(worst, 1),
        summary="; ".join(_line(f, s) for f in s.faults),
        advice=(
            f"{', '.join(never)}: the app did not come back by itself; make its services restart on failure "
            "(a supervisor's restart policy) and reconnect to their dependencies"
            if never
            else None
        ),
        faults=[_evidence(f, s) for f in s.faults],
        steady_rate=s.rate,
        steady_rate_basis=s.rate_basis,
    )


@audit(
    "resilience.degrades_gracefully",
    title="Keeps serving when a cache or replica fails",
    unit="",
    category=CATEGORY,
    description="faults marked degrades: true (a cache or replica down): no request fails while they last",
    source="https://sre.google/sre-book/addressing-cascading-failures/",
)
def degrades_gracefully(s: ResilienceSnapshot) -> Outcome:
    marked = [f for f in s.faults if f.degrades and not f.error]
    if not marked:
        return not_applicable("no fault is marked degrades: true")
    failing = [f for f in marked if sum(f.errors_by_endpoint.values())]
    return measured(
        not failing,
        summary="; ".join(_line(f, s) for f in failing) or None,
        advice=(
            "serve from the database (slower) when the cache fails: catch the cache client's errors and fall back"
            if failing
            else None
        ),
        faults=[_evidence(f, s) for f in marked],
    )


MIN_UPTIME_SAMPLES = 60  # an hour of a 1-minute probe: fewer samples say little about 99.9 %


@audit(
    "resilience.uptime",
    title="Uptime",
    unit="ratio",
    category=CATEGORY,
    description="the share of prometheus.uptime's samples (blackbox_exporter's probe_success, or up) that said "
    "the site answered, over prometheus.uptime_period; perfscore's own audits are not an uptime record",
    source="https://github.com/prometheus/blackbox_exporter",
)
def uptime(c: ClusterSnapshot) -> Outcome:
    u = c.uptime
    if u is None:
        return not_applicable(
            "no uptime source: name the probe that records it in prometheus.uptime (blackbox_exporter's "
            "probe_success); perfscore's own audits sample seconds, not the site's availability"
        )
    evidence: dict[str, Any] = {
        "selector": u.selector,
        "period": u.period,
        "queries": [u.share.query, u.samples.query],
        "samples": u.samples.mean,
    }
    if u.share.mean is None:
        return unavailable(f"Prometheus gave no uptime figure: {u.share.error or 'no series'}", **evidence)
    samples = int(u.samples.mean or 0)
    age = u.first_sample_age_s.mean if u.first_sample_age_s is not None else None
    covers = f", the oldest {_age(age)} ago" if age is not None else ""
    evidence["first_sample_age_s"] = age
    share = max(0.0, min(1.0, u.share.mean))
    down = f"{(1 - share) * 100:.3g} % of {samples:,} samples said down" if share < 1 else "no sample said down"
    summary = f"{share * 100:.3f} % up over {u.period} ({down}{covers}; {u.selector})"
    if samples < MIN_UPTIME_SAMPLES:
        return insufficient(
            f"{samples} samples of {u.selector} over {u.period}: at least {MIN_UPTIME_SAMPLES} are needed "
            "(a longer uptime_period, or a probe that has run longer)",
            round(share, 6),
            **evidence,
        )
    return measured(round(share, 6), summary=summary, **evidence)


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"
