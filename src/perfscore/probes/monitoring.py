"""Monitoring probe: health endpoint, Prometheus /metrics, PHP-FPM status, nginx stub_status, trace headers."""

from __future__ import annotations

import json
import re
from typing import Any

from perfscore.probes.base import Probe, ProbeUnavailable
from perfscore.probes.http import Response, fetch, join
from perfscore.run import Measurement

TRACE_HEADERS = ("server-timing", "traceparent", "x-request-id", "x-trace-id", "x-correlation-id")
STUB = re.compile(r"Active connections:\s*(\d+).*?\n\s*(\d+)\s+(\d+)\s+(\d+)", re.S)


class MonitoringProbe(Probe):
    name = "monitoring"
    metrics = (
        "monitoring.health_endpoint",
        "monitoring.metrics_endpoint",
        "monitoring.fpm_status",
        "monitoring.nginx_status",
        "http.server_timing",
        "php.fpm_not_saturated",
    )
    fpm0: dict[str, Any] | None = None

    def not_configured(self) -> str | None:
        if not self.ctx.config.target.base_url:
            return "no base_url in the config (or --url flag)"
        if self.ctx.config.monitoring is None:
            return "no monitoring section in the config"
        return None

    def _get(self, path: str) -> Response:
        t = self.ctx.config.target
        assert t.base_url is not None
        return fetch(
            join(t.base_url, path), user_agent=t.user_agent, timeout=min(10.0, self.ctx.config.audit.probe_timeout_s)
        )

    def _fpm(self) -> dict[str, Any] | None:
        mon = self.ctx.config.monitoring
        if mon is None or not mon.fpm_status:
            return None
        r = self._get(mon.fpm_status)
        if r.status != 200:
            return None
        try:
            doc = json.loads(r.body)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) and "pool" in doc else None

    def begin(self) -> None:
        try:
            self.fpm0 = self._fpm()
        except ProbeUnavailable:
            self.fpm0 = None

    def end(self) -> list[Measurement]:
        mon = self.ctx.config.monitoring
        assert mon is not None
        out = [self._health(mon.health), self._metrics(mon.metrics), self._nginx(mon.nginx_status)]
        out += self._fpm_metrics(mon.fpm_status)
        out.append(self._trace_headers())
        return out

    def _absent(self, metric: str, what: str) -> Measurement:
        return self.measured(metric, False, configured=False, note=f"no {what} configured")

    def _health(self, path: str | None) -> Measurement:
        if not path:
            return self._absent("monitoring.health_endpoint", "health endpoint")
        r = self._get(path)
        ok = r.status == 200
        return self.measured(
            "monitoring.health_endpoint", ok, status=r.status, latency_ms=round(r.total_ms, 2), body=r.text()[:300]
        )

    def _metrics(self, path: str | None) -> Measurement:
        if not path:
            return self._absent("monitoring.metrics_endpoint", "metrics endpoint")
        from prometheus_client.parser import text_string_to_metric_families

        r = self._get(path)
        families: list[str] = []
        error = None
        if r.status == 200:
            try:
                families = [f.name for f in text_string_to_metric_families(r.text())]
            except (ValueError, TypeError, IndexError) as exc:
                error = f"not valid Prometheus text: {str(exc)[:200]}"
        return self.measured(
            "monitoring.metrics_endpoint",
            r.status == 200 and bool(families) and error is None,
            status=r.status,
            families=len(families),
            sample=families[:10],
            error=error,
        )

    def _nginx(self, path: str | None) -> Measurement:
        if not path:
            return self._absent("monitoring.nginx_status", "nginx stub_status")
        r = self._get(path)
        m = STUB.search(r.text()) if r.status == 200 else None
        if not m:
            return self.measured("monitoring.nginx_status", False, status=r.status)
        active, accepts, handled, requests = (int(x) for x in m.groups())
        return self.measured(
            "monitoring.nginx_status",
            True,
            active=active,
            accepts=accepts,
            handled=handled,
            requests=requests,
            dropped=accepts - handled,
        )

    def _fpm_metrics(self, path: str | None) -> list[Measurement]:
        if not path:
            return [
                self._absent("monitoring.fpm_status", "PHP-FPM status page"),
                self.unavailable("php.fpm_not_saturated", "no PHP-FPM status page to read saturation from"),
            ]
        doc = self._fpm()
        if doc is None:
            return [
                self.measured("monitoring.fpm_status", False, path=path),
                self.unavailable("php.fpm_not_saturated", "the PHP-FPM status page is not reachable"),
            ]
        before = (self.fpm0 or {}).get("max children reached", 0)
        reached = int(doc.get("max children reached", 0)) - int(before if self.fpm0 else 0)
        queue = int(doc.get("listen queue", 0))
        evidence = {
            k: doc.get(k)
            for k in (
                "pool",
                "process manager",
                "total processes",
                "active processes",
                "max children reached",
                "listen queue",
                "max listen queue",
                "slow requests",
            )
        }
        return [
            self.measured("monitoring.fpm_status", True, fpm=evidence),
            self.measured(
                "php.fpm_not_saturated",
                reached <= 0 and queue <= 0,
                max_children_reached_in_window=reached,
                listen_queue=queue,
                summary=None
                if reached <= 0 and queue <= 0
                else f"PHP-FPM ran out of workers {reached} time(s) during the window; listen queue {queue}",
            ),
        ]

    def _trace_headers(self) -> Measurement:
        eps = [e for e in self.ctx.config.endpoints if e.method == "GET"] or self.ctx.config.endpoints
        path = eps[0].path if eps else "/"
        r = self._get(path)
        present = [h for h in TRACE_HEADERS if h in r.headers]
        return self.measured("http.server_timing", bool(present), headers=present, path=path)
