"""Response-time and error-rate audits: the nominal traffic the audit drove during its window."""

from __future__ import annotations

from typing import Any

from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured
from perfscore.load.model import LoadResult, Percentiles

CATEGORY = "response_time"


def _common(load: LoadResult) -> dict[str, Any]:
    return {
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
            }
            for label, ep in load.endpoints.items()
        },
    }


def _low(load: LoadResult) -> str | None:
    return "; ".join(load.notes) if not load.valid else None


def _load(s: WindowSnapshot) -> LoadResult:
    if s.load is None:
        raise Unmeasurable(s.error or "no traffic was driven during the window")
    return s.load


def _latency(s: WindowSnapshot) -> tuple[LoadResult, Percentiles]:
    load = _load(s)
    if load.latency_ms is None:
        raise Unmeasurable(f"no successful response during the window ({load.errors} errors)")
    return load, load.latency_ms


@audit(
    "http.mean_latency",
    title="Mean response time at nominal load",
    unit="ms",
    category=CATEGORY,
    evidence="mean latency of successful responses in the window (HDR histogram), per endpoint",
)
def mean_latency(s: WindowSnapshot) -> Outcome:
    load, lat = _latency(s)
    return measured(lat.mean, low_confidence=_low(load), **_common(load))


@audit(
    "http.p95_latency",
    title="p95 response time at nominal load",
    unit="ms",
    category=CATEGORY,
    evidence="95th percentile of successful responses in the window, per endpoint",
)
def p95_latency(s: WindowSnapshot) -> Outcome:
    load, lat = _latency(s)
    common = _common(load)
    eps = common["endpoints"]
    slowest = max(eps, key=lambda k: float(eps[k]["p95_ms"] or 0.0))
    return measured(
        lat.p95,
        low_confidence=_low(load),
        summary=f"slowest endpoint: {slowest} (p95 {eps[slowest]['p95_ms']} ms)",
        p50_ms=lat.p50,
        **common,
    )


@audit(
    "http.p99_latency",
    title="p99 response time at nominal load",
    unit="ms",
    category=CATEGORY,
    evidence="99th percentile of successful responses in the window, and the maximum",
)
def p99_latency(s: WindowSnapshot) -> Outcome:
    load, lat = _latency(s)
    return measured(lat.p99, low_confidence=_low(load), max_ms=lat.max, **_common(load))


@audit(
    "http.error_rate",
    title="Error rate at nominal load",
    unit="ratio",
    category="error_handling",
    evidence="failed / all requests in the window: 5xx, unexpected statuses, timeouts, resets, refused connections",
)
def error_rate(s: WindowSnapshot) -> Outcome:
    load = _load(s)
    common = _common(load)
    eps = common["endpoints"]
    worst = max(eps, key=lambda k: eps[k]["errors"]) if eps else "?"
    return measured(
        round(load.error_rate, 6),
        low_confidence=_low(load),
        summary=f"{load.errors} errors of {load.requests} requests; most on {worst}" if load.errors else None,
        errors=load.errors,
        status_counts=load.status_counts,
        timeouts=load.timeouts,
        resets=load.resets,
        connect_errors=load.connect_errors,
        **common,
    )
