"""Field audits: what the users got over the logs' period (their p95 and error rate), and how far the
audit's own lab traffic is from it (PageSpeed Insights shows both; a lab mix that misses what users do is a
finding, not a footnote). Which half scores response time and errors is the config's ``field.scores``."""

from __future__ import annotations

from typing import Any

from perfscore.artifacts.field import FieldSnapshot
from perfscore.artifacts.unloaded import UnloadedSnapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits import response
from perfscore.audits.base import REGISTRY, Outcome, audit, insufficient, measured, unavailable
from perfscore.routes import route_of

MIN_REQUESTS = 100  # users' requests in the period before their p95 or error rate is a verdict
MIN_ROUTE_REQUESTS = 30  # a route's requests before its field p95 is compared with the lab's


def _thin(f: FieldSnapshot) -> Outcome | None:
    s = f.summary
    if f.error:
        return unavailable(f"the access logs could not be read: {f.error}")
    if s.requests < MIN_REQUESTS:
        return insufficient(
            f"{s.requests:,} user requests in the access logs' period (at least {MIN_REQUESTS} are needed; "
            f"{s.malformed:,} of {s.lines:,} lines were not requests in the format given)",
            requests=s.requests,
        )
    return None


def _period(f: FieldSnapshot) -> str:
    hours = f.summary.period_s / 3600
    return f"{hours:,.1f} h" if hours >= 1 else f"{f.summary.period_s / 60:,.0f} min"


@audit(
    "field.p95_latency",
    title="Users' p95 response time (field)",
    unit="ms",
    category="response_time",
    description="95th percentile of $request_time over the users' requests in the access logs' period "
    "(health checks, bots and perfscore's own requests left out)",
    source="https://developer.chrome.com/docs/crux/methodology",
)
def p95_latency(f: FieldSnapshot) -> Outcome:
    if (thin := _thin(f)) is not None:
        return thin
    s = f.summary
    if s.latency_ms is None:
        return unavailable("the access log's format has no $request_time: add it to the server's log_format")
    slowest = sorted(
        (r for r in s.routes if r.latency_ms is not None and r.requests >= MIN_ROUTE_REQUESTS),
        key=lambda r: -(r.latency_ms.p95 if r.latency_ms else 0),
    )[:3]
    worst = "; ".join(f"{r.method} {r.route} {r.latency_ms.p95:,.0f} ms" for r in slowest if r.latency_ms)
    return measured(
        s.latency_ms.p95,
        summary=f"{s.requests:,} user requests over {_period(f)}: p95 {s.latency_ms.p95:,.0f} ms"
        + (f"; slowest routes: {worst}" if worst else ""),
        p50_ms=s.latency_ms.p50,
        p99_ms=s.latency_ms.p99,
        requests=s.requests,
        logs=f.logs,
    )


@audit(
    "field.error_rate",
    title="Users' error rate (field)",
    unit="ratio",
    category="error_handling",
    description="5xx answers / the users' requests in the access logs' period",
    source="https://sre.google/sre-book/monitoring-distributed-systems/",
)
def error_rate(f: FieldSnapshot) -> Outcome:
    if (thin := _thin(f)) is not None:
        return thin
    s = f.summary
    failing = sorted((r for r in s.routes if r.errors_5xx), key=lambda r: -r.errors_5xx)[:3]
    names = "; ".join(f"{r.method} {r.route} {r.errors_5xx:,}×5xx" for r in failing)
    return measured(
        round(s.error_rate, 6),
        summary=f"{s.errors_5xx:,} 5xx of {s.requests:,} user requests over {_period(f)}"
        + (f": {names}" if names else ""),
        errors_5xx=s.errors_5xx,
        errors_4xx=s.errors_4xx,
        requests=s.requests,
    )


@audit(
    "field.lab_gap",
    title="Lab traffic matches the users' (field vs lab p95)",
    unit="x",
    category="response_time",
    description="per route the audit loads: the users' p95 / the audit window's p95; the largest ratio. The "
    "users' busiest routes the audit does not load are named",
    source="https://web.dev/articles/lab-and-field-data-differences",
)
def lab_gap(f: FieldSnapshot, w: WindowSnapshot | None, u: UnloadedSnapshot | None) -> Outcome:
    if (thin := _thin(f)) is not None:
        return thin
    s = f.summary
    if w is None or w.load is None or u is None:
        return unavailable("no lab window to compare with (the audit sent no traffic)")
    field_routes = {r.route: r for r in s.routes if r.method in ("GET", "HEAD") and r.latency_ms is not None}
    pairs: list[dict[str, Any]] = []
    loaded = set()
    for e in u.endpoints:
        route = route_of(e.path)
        loaded.add(route)
        lab = w.load.endpoints.get(e.name)
        fr = field_routes.get(route)
        if lab is None or lab.latency_ms is None or fr is None or fr.requests < MIN_ROUTE_REQUESTS:
            continue
        assert fr.latency_ms is not None
        ratio = fr.latency_ms.p95 / max(lab.latency_ms.p95, 0.5)
        pairs.append({"route": route, "lab_p95_ms": lab.latency_ms.p95, "field_p95_ms": fr.latency_ms.p95,
                      "ratio": round(ratio, 2)})  # fmt: skip
    missed = [r for r in s.routes if r.route not in loaded and r.method in ("GET", "HEAD")][:3]
    unloaded = "; ".join(f"{r.route} ({r.requests / max(s.requests, 1):.0%} of requests)" for r in missed)
    if not pairs:
        return unavailable(
            "no route the audit loads has enough users' requests in the logs to compare"
            + (f"; the users' busiest routes it does not load: {unloaded}" if unloaded else "")
        )
    worst = max(pairs, key=lambda p: p["ratio"])
    summary = (
        f"lab p95 {worst['lab_p95_ms']:,.0f} ms, field p95 {worst['field_p95_ms']:,.0f} ms on {worst['route']}"
        + (": the lab mix misses what users do" if worst["ratio"] > 2 else "")
        + (f"; the users' busiest routes the audit does not load: {unloaded}" if unloaded else "")
    )
    return measured(worst["ratio"], summary=summary, routes=pairs, not_loaded=[r.route for r in missed])


def _id(fn: object) -> str:
    return next(mid for mid, spec in REGISTRY.items() if spec.fn is fn)


# The lab's figure and the users' (field) figure of the same thing: scoring scores one of each pair
# (perfscore.scoring.scope.unchosen_half), as the config's field.scores says.
HALVES = {_id(response.p95_latency): _id(p95_latency), _id(response.error_rate): _id(error_rate)}
GAP = _id(lab_gap)
