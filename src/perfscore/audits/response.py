"""Response-time and error-rate audits: the nominal traffic the audit drove during its window."""

from __future__ import annotations

from typing import Any

from perfscore.artifacts.errors import ErrorPagesSnapshot
from perfscore.artifacts.logs import LogsSnapshot
from perfscore.artifacts.unloaded import UnloadedSnapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured
from perfscore.audits.logs import describe, error_messages, top_messages
from perfscore.audits.unloaded import alone_ms
from perfscore.loadmodel import LoadResult, Percentiles

CATEGORY = "response_time"


def _breakdown(load: LoadResult, most: int = 4, skip: tuple[str, ...] = ()) -> str:
    """The failing statuses per endpoint, worst first: 'loan 500×4,210; search 500×2,100'."""
    parts = []
    for label, ep in sorted(load.endpoints.items(), key=lambda kv: -kv[1].errors):
        bad = [(s, n) for s, n in ep.status_counts.items() if not s.startswith(("2", "3")) and s not in skip]
        if ep.errors and bad:
            parts.append(f"{label} " + ", ".join(f"{s}×{n:,}" for s, n in sorted(bad, key=lambda x: -x[1])))
        elif ep.errors:
            parts.append(f"{label} {ep.errors:,} failed")
    if not parts:  # failures without a status: timeouts, resets, refused connections
        kinds = (("timeouts", load.timeouts), ("resets", load.resets), ("refused", load.connect_errors))
        return ", ".join(f"{n:,} {k}" for k, n in kinds if n) or "no status recorded"
    more = f"; +{len(parts) - most} more endpoints" if len(parts) > most else ""
    return "; ".join(parts[:most]) + more


def _diagnosis(logs: LogsSnapshot | None, pages: ErrorPagesSnapshot | None) -> str:
    """What the app's logs said during the window, or else what a failing page said."""
    if logs is not None and (errors := error_messages(top_messages(logs, 50))):
        return f"; logged: {describe(errors[:3])}"
    failing = next((p.answer for p in (pages.pages if pages else []) if p.answer.status >= 500), None)
    said = ""
    if failing is not None:
        first = next((line.strip() for line in failing.body.splitlines() if line.strip()), "")
        said = f"; a {failing.status} page says: {first[:160]!r}" if first else f"; {failing.status} pages are empty"
    return ("; nothing was logged" if logs is not None else "") + said


def _common(load: LoadResult) -> dict[str, Any]:
    return {
        **({"source": load.source} if load.source else {}),
        "connections": load.connections,
        "requests": load.requests,
        "rps": load.rps,
        "endpoints": {
            label: {
                "requests": ep.requests,
                "errors": ep.errors,
                "p50_ms": ep.latency_ms.p50 if ep.latency_ms else None,
                "p95_ms": ep.latency_ms.p95 if ep.latency_ms else None,
                "p99_ms": ep.latency_ms.p99 if ep.latency_ms else None,
                "status_counts": ep.status_counts,
            }
            for label, ep in load.endpoints.items()
        },
    }


def _low(load: LoadResult) -> str | None:
    return "; ".join(load.notes) if not load.valid else None


THROTTLE_STATUSES = ("429", "403")
MIN_THROTTLED = 10


def throttled(load: LoadResult) -> int:
    """Requests refused by a limiter, not failed by the app: 429 anywhere, or 403 spread over several
    endpoints (a limiter refuses a client, not a page). One endpoint
    that answers 403 among others that succeed is forbidden, not throttled; with a single endpoint,
    403 counts as throttling only when some of its requests got through."""
    by_status = {s: load.status_counts.get(s, 0) for s in THROTTLE_STATUSES}
    spread = [ep for ep in load.endpoints.values() if ep.status_counts.get("403", 0)]
    limiter = len(spread) >= 2 if len(load.endpoints) >= 2 else load.requests > load.errors
    count = by_status["429"] + (by_status["403"] if limiter else 0)
    return count if count >= MIN_THROTTLED else 0


def _load(s: WindowSnapshot) -> LoadResult:
    if s.load is None:
        raise Unmeasurable(s.error or "no traffic was driven during the window")
    load = s.load
    if load.requests <= 0:
        raise Unmeasurable("no request completed during the window")
    if not 0 <= load.errors <= load.requests or any(n < 0 for n in load.status_counts.values()):
        raise Unmeasurable(f"impossible counts in the window ({load.errors} errors of {load.requests} requests)")
    return load


def _latency(s: WindowSnapshot) -> tuple[LoadResult, Percentiles]:
    load = _load(s)
    if load.latency_ms is None:
        raise Unmeasurable(f"no successful response during the window ({load.errors} errors)")
    return load, load.latency_ms


SLOW_ALONE_MS = 100.0  # a page this slow for one user is slow by its own work


@audit(
    "http.mean_latency",
    title="Mean response time at nominal load",
    unit="ms",
    category=CATEGORY,
    description="mean latency of successful responses in the window (HDR histogram), per endpoint",
    source="https://developer.chrome.com/docs/lighthouse/performance/server-response-time/",
)
def mean_latency(s: WindowSnapshot) -> Outcome:
    load, lat = _latency(s)
    return measured(lat.mean, low_confidence=_low(load), **_common(load))


@audit(
    "http.p95_latency",
    title="p95 response time at nominal load",
    unit="ms",
    category=CATEGORY,
    description="95th percentile of successful responses in the window, per endpoint; each GET endpoint's "
    "median first-byte time alone (one user, before the window) beside it",
    source="https://sre.google/sre-book/service-level-objectives/",
)
def p95_latency(s: WindowSnapshot, u: UnloadedSnapshot | None) -> Outcome:
    load, lat = _latency(s)
    common = _common(load)
    eps = common["endpoints"]
    slowest = max(eps, key=lambda k: float(eps[k]["p95_ms"] or 0.0))
    alone = {e.name: ms for e in (u.endpoints if u else []) if (ms := alone_ms(e)) is not None}
    summary = f"slowest endpoint: {slowest} (p95 {eps[slowest]['p95_ms']} ms)"
    if slowest in alone:
        summary = f"slowest endpoint: {slowest} (p95 {eps[slowest]['p95_ms']} ms under load, {alone[slowest]} ms alone)"
        if alone[slowest] >= SLOW_ALONE_MS and alone[slowest] >= 0.5 * float(eps[slowest]["p95_ms"] or 0.0):
            summary += ": slow even for one user, so its own work (cache or trim it), not contention"
    return measured(
        lat.p95,
        low_confidence=_low(load),
        summary=summary,
        p50_ms=lat.p50,
        alone_ttfb_ms=alone or None,
        **common,
    )


@audit(
    "http.p99_latency",
    title="p99 response time at nominal load",
    unit="ms",
    category=CATEGORY,
    description="99th percentile of successful responses in the window, and the maximum",
    source="https://sre.google/sre-book/monitoring-distributed-systems/",
)
def p99_latency(s: WindowSnapshot) -> Outcome:
    load, lat = _latency(s)
    if lat.p99 is None:
        raise Unmeasurable(f"no p99 in {load.source or 'the load results'} (k6: add p(99) to --summary-trend-stats)")
    return measured(lat.p99, low_confidence=_low(load), max_ms=lat.max, **_common(load))


@audit(
    "http.error_rate",
    title="Error rate under load",
    unit="ratio",
    category="error_handling",
    description="failed / all requests in the window: 5xx, unexpected statuses, timeouts, resets, refused connections",
    source="https://sre.google/sre-book/monitoring-distributed-systems/",
)
def error_rate(s: WindowSnapshot, logs: LogsSnapshot | None, pages: ErrorPagesSnapshot | None) -> Outcome:
    load = _load(s)
    common = _common(load)
    refused = throttled(load)
    errors, requests = load.errors - refused, load.requests - refused
    skip = THROTTLE_STATUSES if refused else ()
    if requests <= 0:
        raise Unmeasurable("the app throttled every request of the window: no error rate of its own")
    return measured(
        round(errors / requests, 6),
        low_confidence="; ".join(
            x
            for x in (_low(load), f"{refused:,} throttled requests (403/429) are not counted" if refused else None)
            if x
        )
        or None,
        # What the app said first (the logs, a failing page), then where it failed.
        summary=f"{errors:,} errors of {requests:,} requests{_diagnosis(logs, pages)}; {_breakdown(load, skip=skip)}"
        if errors
        else None,
        errors=errors,
        throttled=refused,
        failed_latency_ms=(
            {"p50": load.error_latency_ms.p50, "p95": load.error_latency_ms.p95} if load.error_latency_ms else None
        ),
        status_counts=load.status_counts,
        timeouts=load.timeouts,
        resets=load.resets,
        connect_errors=load.connect_errors,
        **common,
    )


@audit(
    "http.not_throttled",
    title="The audit was not throttled",
    category="error_handling",
    description="403/429 answers a limiter gave the audit after its first requests succeeded, per endpoint",
    source="https://nginx.org/en/docs/http/ngx_http_limit_req_module.html",
)
def not_throttled(s: WindowSnapshot) -> Outcome:
    load = _load(s)
    refused = throttled(load)
    passed = load.requests - load.errors
    per_min = passed / max(load.duration_s, 1e-6) * 60
    return measured(
        refused == 0,
        summary=(
            f"the app throttled the audit: {refused:,} of {load.requests:,} requests refused (403/429)"
            + (f" after ~{per_min:,.0f} requests/min got through" if passed else "")
            + "; allow-list the auditing host or lower the audit rate (audit.load.rate)"
        )
        if refused
        else None,
        throttled=refused,
        requests=load.requests,
        succeeded=passed,
    )
