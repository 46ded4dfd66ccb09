"""Monitoring audits: health and metrics endpoints, PHP-FPM and nginx status pages, trace headers."""

from __future__ import annotations

import json
import re
from typing import Any

from perfscore.artifacts.http import HttpAnswer
from perfscore.artifacts.monitoring import MonitoringSnapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits.base import Outcome, audit, measured, unavailable
from perfscore.audits.host import cpu_bound

TRACE_HEADERS = ("server-timing", "traceparent", "x-request-id", "x-trace-id", "x-correlation-id")
STUB = re.compile(r"Active connections:\s*(\d+).*?\n\s*(\d+)\s+(\d+)\s+(\d+)", re.S)
FPM_FIELDS = (
    "pool",
    "process manager",
    "total processes",
    "active processes",
    "max children reached",
    "listen queue",
    "max listen queue",
    "slow requests",
)
CATEGORY = "monitoring"


def _absent(what: str) -> Outcome:
    return measured(False, configured=False, note=f"no {what} configured")


def _fpm(answer: HttpAnswer | None) -> dict[str, Any] | None:
    """The PHP-FPM status document (?json), or None when the page is not one."""
    if answer is None or answer.status != 200:
        return None
    try:
        doc = json.loads(answer.body)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and "pool" in doc else None


def _int(doc: dict[str, Any], key: str) -> int:
    try:
        return int(doc.get(key, 0) or 0)
    except (TypeError, ValueError):
        return 0


@audit(
    "monitoring.health_endpoint",
    title="Health endpoint answers 200",
    category=CATEGORY,
    description="status, latency and the start of the body of the configured health path",
    source="https://learn.microsoft.com/en-us/azure/architecture/patterns/health-endpoint-monitoring",
)
def health_endpoint(s: MonitoringSnapshot) -> Outcome:
    r = s.health
    if r is None:
        return _absent("health endpoint")
    return measured(r.status == 200, status=r.status, latency_ms=round(r.total_ms, 2), body=r.body[:300])


@audit(
    "monitoring.metrics_endpoint",
    title="Prometheus metrics endpoint",
    category=CATEGORY,
    description="status and metric families of the configured path, parsed by prometheus_client",
    source="https://prometheus.io/docs/instrumenting/exposition_formats/",
)
def metrics_endpoint(s: MonitoringSnapshot) -> Outcome:
    r = s.metrics
    if r is None:
        return _absent("metrics endpoint")
    from prometheus_client.parser import text_string_to_metric_families

    families: list[str] = []
    error = None
    if r.status == 200:
        try:
            families = [f.name for f in text_string_to_metric_families(r.body)]
        except (ValueError, TypeError, IndexError) as exc:
            error = f"not valid Prometheus text: {str(exc)[:200]}"
    ok = r.status == 200 and bool(families) and error is None
    return measured(ok, status=r.status, families=len(families), sample=families[:10], error=error)


@audit(
    "monitoring.nginx_status",
    title="nginx stub_status",
    category=CATEGORY,
    description="the stub_status page's connection and request counters",
    source="https://nginx.org/en/docs/http/ngx_http_stub_status_module.html",
)
def nginx_status(s: MonitoringSnapshot) -> Outcome:
    r = s.nginx_status
    if r is None:
        return _absent("nginx stub_status")
    m = STUB.search(r.body) if r.status == 200 else None
    if not m:
        return measured(False, status=r.status)
    active, accepts, handled, requests = (int(x) for x in m.groups())
    return measured(True, active=active, accepts=accepts, handled=handled, requests=requests, dropped=accepts - handled)


@audit(
    "monitoring.fpm_status",
    title="PHP-FPM status page",
    category=CATEGORY,
    description="the pool's status document (?json) at the window end",
    source="https://www.php.net/manual/en/fpm.status.php",
)
def fpm_status(s: MonitoringSnapshot) -> Outcome:
    if not s.fpm_status_path:
        return _absent("PHP-FPM status page")
    doc = _fpm(s.fpm_after)
    if doc is None:
        return measured(False, path=s.fpm_status_path)
    return measured(True, fpm={k: doc.get(k) for k in FPM_FIELDS})


@audit(
    "php.fpm_not_saturated",
    title="PHP-FPM never ran out of workers",
    category="scalability",
    description="'max children reached' delta over the window, the listen queue at its end and, for a static pool, "
    "the listen-queue high-water mark grown during the window (FPM sees no queue on a unix socket)",
    source="https://www.php.net/manual/en/fpm.status.php",
)
def fpm_not_saturated(s: MonitoringSnapshot, w: WindowSnapshot | None) -> Outcome:
    if not s.fpm_status_path:
        return unavailable("no PHP-FPM status page to read saturation from")
    doc = _fpm(s.fpm_after)
    if doc is None:
        return unavailable("the PHP-FPM status page is not reachable")
    before = _fpm(s.fpm_before)
    reached = _int(doc, "max children reached") - (_int(before, "max children reached") if before else 0)
    restarted = before is not None and (
        _int(doc, "start since") < _int(before, "start since") or reached < 0
    )  # a younger pool, or a counter that went down: the pool restarted and counts again
    if restarted:
        reached = _int(doc, "max children reached")
    queue = _int(doc, "listen queue")
    # "max listen queue" is a high-water mark since the pool started: grown during the window, requests
    # waited for a worker then (a static pool never counts "max children reached").
    peak = _int(doc, "max listen queue")
    static = str(doc.get("process manager", "")) == "static"  # it never counts "max children reached"
    # A high-water mark since the pool started: only its growth during the window is the window's.
    grew = before is not None and not restarted and peak > _int(before, "max listen queue")
    queued = peak if static and grew else 0
    # On a unix socket FPM sees no listen queue, and its "max active processes" counts far more than its
    # workers on a healthy pool (checked on PHP 8.2 with nginx's fastcgi_keep_conn): neither is read there.
    ok = reached <= 0 and queue <= 0 and queued <= 0
    host = w.host if w is not None else None
    cpu = cpu_bound(host.busy_share, host.own_share, "during the window") if host and not ok else None
    return measured(
        ok,
        low_confidence="PHP-FPM restarted during the window: counted since its restart" if restarted else None,
        summary=None
        if ok
        else f"PHP-FPM ran out of workers during the window ({reached} time(s) at max children; up to {queued} "
        f"requests queued for a worker; listen queue at the end {queue})"
        + (f"; the host's CPU was {host.busy_share:.0%} busy" if cpu and host else ""),
        advice=cpu,
        host_cpu_busy=host.busy_share if host else None,
        max_children_reached_in_window=reached,
        max_listen_queue_in_window=queued,
        listen_queue=queue,
    )


@audit(
    "http.server_timing",
    title="Server-Timing or trace headers",
    category=CATEGORY,
    description="which of Server-Timing, traceparent, X-Request-Id, X-Trace-Id, X-Correlation-Id a page sends",
    source="https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Server-Timing",
)
def server_timing(s: MonitoringSnapshot) -> Outcome:
    if s.page is None:
        return unavailable("no page was fetched")
    present = [h for h in TRACE_HEADERS if h in s.page.headers]
    return measured(bool(present), headers=present, path=s.page.url)
