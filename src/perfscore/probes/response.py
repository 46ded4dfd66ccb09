"""Response-time and error-rate probe: reads the nominal load the audit drove during its window."""

from __future__ import annotations

from typing import Any

from perfscore.probes.base import Probe
from perfscore.run import Measurement


class ResponseTimeProbe(Probe):
    name = "response"
    metrics = ("http.mean_latency", "http.p95_latency", "http.p99_latency", "http.error_rate")

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def end(self) -> list[Measurement]:
        load = self.ctx.window_load
        if load is None:
            return self.all_unavailable(self.ctx.window_error or "no traffic was driven during the window")
        low = "; ".join(load.notes) if not load.valid else None
        per_endpoint: dict[str, dict[str, Any]] = {
            label: {
                "requests": ep.requests,
                "errors": ep.errors,
                "p50_ms": ep.latency_ms.p50 if ep.latency_ms else None,
                "p95_ms": ep.latency_ms.p95 if ep.latency_ms else None,
                "p99_ms": ep.latency_ms.p99 if ep.latency_ms else None,
            }
            for label, ep in load.endpoints.items()
        }
        common: dict[str, Any] = {
            "connections": load.connections,
            "requests": load.requests,
            "rps": load.rps,
            "endpoints": per_endpoint,
        }
        slowest = max(per_endpoint, key=lambda k: float(per_endpoint[k]["p95_ms"] or 0.0))
        out: list[Measurement] = []
        lat = load.latency_ms
        if lat is None:
            reason = f"no successful response during the window ({load.errors} errors)"
            out += [self.unavailable(m, reason) for m in ("http.mean_latency", "http.p95_latency", "http.p99_latency")]
        else:
            out += [
                self.measured("http.mean_latency", lat.mean, "ms", low_confidence=low, evidence=common),
                self.measured(
                    "http.p95_latency",
                    lat.p95,
                    "ms",
                    low_confidence=low,
                    p50_ms=lat.p50,
                    summary=f"slowest endpoint: {slowest} (p95 {per_endpoint[slowest]['p95_ms']} ms)",
                    evidence=common,
                ),
                self.measured("http.p99_latency", lat.p99, "ms", low_confidence=low, max_ms=lat.max, evidence=common),
            ]
        worst = max(per_endpoint, key=lambda k: per_endpoint[k]["errors"])
        out.append(
            self.measured(
                "http.error_rate",
                round(load.error_rate, 6),
                "ratio",
                low_confidence=low,
                errors=load.errors,
                status_counts=load.status_counts,
                timeouts=load.timeouts,
                resets=load.resets,
                connect_errors=load.connect_errors,
                evidence=common,
                summary=(f"{load.errors} errors of {load.requests} requests; most on {worst}" if load.errors else None),
            )
        )
        return out
