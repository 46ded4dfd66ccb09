"""Monitoring gatherer: health, /metrics, PHP-FPM status (window start and end), nginx stub_status, a page."""

from __future__ import annotations

from perfscore.artifacts.http import BODY_LIMIT, HttpAnswer
from perfscore.artifacts.monitoring import MonitoringSnapshot
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import MAX_BODY, fetch, join


class MonitoringGatherer(Gatherer):
    name = "monitoring"
    reads_counters = True  # PHP-FPM's accepted requests and queue: before the other probes' requests
    sampled = False
    fpm1: HttpAnswer | None = None
    fpm0: HttpAnswer | None = None

    def not_configured(self) -> str | None:
        if not self.ctx.config.target.base_url:
            return "no base_url in the config (or --url flag)"
        if self.ctx.config.monitoring is None:
            return "no monitoring section in the config"
        return None

    def _get(self, path: str | None, keep: int = BODY_LIMIT) -> HttpAnswer | None:
        if not path:
            return None
        t = self.ctx.config.target
        assert t.base_url is not None
        return fetch(
            join(t.base_url, path), headers=self.target_headers, user_agent=t.user_agent, timeout=self.http_timeout
        ).answer(keep=keep)

    def begin(self) -> None:
        mon = self.ctx.config.monitoring
        assert mon is not None
        try:
            self.fpm0 = self._get(mon.fpm_status)
        except ProbeUnavailable:
            self.fpm0 = None

    def counting(self) -> bool:
        return getattr(self, "fpm0", None) is not None

    def sample(self) -> None:
        mon = self.ctx.config.monitoring
        assert mon is not None
        self.fpm1 = self._fpm_after(mon.fpm_status)
        self.sampled = True

    def end(self) -> MonitoringSnapshot:
        mon = self.ctx.config.monitoring
        assert mon is not None
        if not self.sampled:
            self.sample()
        eps = [e for e in self.ctx.config.endpoints if e.method == "GET"] or self.ctx.config.endpoints
        return MonitoringSnapshot(
            health=self._get(mon.health),
            metrics=self._get(mon.metrics, keep=MAX_BODY),  # parsed whole, as Prometheus would
            nginx_status=self._get(mon.nginx_status),
            fpm_status_path=mon.fpm_status,
            fpm_before=self.fpm0,
            fpm_after=self.fpm1,
            page=self._get(eps[0].path if eps else "/"),
        )

    def _fpm_after(self, path: str | None) -> HttpAnswer | None:
        try:
            return self._get(path)
        except ProbeUnavailable:
            return None  # the audits say "not reachable"
