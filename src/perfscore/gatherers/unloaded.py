"""Single-user gatherer: each GET endpoint requested alone, a few times in a row, before the window's traffic.

What a page costs with nobody else on the server (its own work, no contention), and whether a page
cache answers the repeats (cache-hit headers, or a first byte that collapses after the first request).
Bounded: at most MAX_ENDPOINTS endpoints × REPEATS requests, one at a time.
"""

from __future__ import annotations

import time

from perfscore.artifacts.unloaded import EndpointSeries, Repeat, UnloadedSnapshot
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import fetch, join

MAX_ENDPOINTS = 8
REPEATS = 5
GENTLE_REPEATS = 2
BUDGET_S = 8.0  # for all of it: a slow or hanging server costs these figures, never the audit's schedule
CACHE_HEADERS = (
    "x-cache",
    "x-cache-status",
    "cf-cache-status",
    "x-fastcgi-cache",
    "x-proxy-cache",
    "x-varnish",
    "age",
    "x-litespeed-cache",
    "x-drupal-cache",
    "x-wp-cache",
)


class UnloadedGatherer(Gatherer):
    name = "unloaded"
    snapshot: UnloadedSnapshot

    def not_configured(self) -> str | None:
        cfg = self.ctx.config
        if not cfg.target.base_url:
            return "no base_url in the config (or --url flag)"
        if not any(e.method == "GET" for e in cfg.endpoints):
            return "no GET endpoint configured"
        return None

    def begin(self) -> None:
        """Before the window's traffic: the endpoints alone, with nobody else on the server."""
        cfg = self.ctx.config
        assert cfg.target.base_url is not None
        series = []
        deadline = time.monotonic() + min(BUDGET_S, self.ctx.config.audit.probe_timeout_s / 2)
        # A gentle audit (audit.load.rate, a production site) keeps its pace here too: two requests an
        # endpoint, spaced as the window's traffic will be.
        rate = cfg.audit.load.rate
        repeats_each, gap = (GENTLE_REPEATS, 1.0 / rate) if rate else (REPEATS, 0.0)
        for ep in [e for e in cfg.endpoints if e.method == "GET"][:MAX_ENDPOINTS]:
            url = join(cfg.target.base_url, ep.path)
            repeats: list[Repeat] = []
            error = None
            for _ in range(repeats_each):
                if gap:
                    time.sleep(min(gap, max(deadline - time.monotonic(), 0.0)))
                left = deadline - time.monotonic()
                if left <= 0.05:
                    error = "not requested: the single-user budget was spent"
                    break
                try:
                    r = fetch(url, headers=dict(ep.headers), user_agent=cfg.target.user_agent, timeout=left)
                except ProbeUnavailable as exc:
                    error = str(exc)
                    break
                kept = {h: r.headers[h][:80] for h in CACHE_HEADERS if h in r.headers}
                repeats.append(Repeat(status=r.status, ttfb_ms=round(r.ttfb_ms, 3), cache_headers=kept))
            series.append(EndpointSeries(name=ep.name, path=ep.path, repeats=repeats, error=error))
        if not any(e.repeats for e in series):  # nothing answered: no snapshot, so nothing proves the target up
            raise ProbeUnavailable(next((e.error for e in series if e.error), "no GET endpoint answered"))
        self.snapshot = UnloadedSnapshot(endpoints=series)

    def end(self) -> UnloadedSnapshot:
        return self.snapshot
