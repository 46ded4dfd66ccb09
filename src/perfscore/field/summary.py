"""Field data: what real users got, from the access log's requests (PageSpeed Insights' field half beside
the audit's lab half; GoAccess's figures, with HDR percentiles).

Pure: entries in, a ``FieldSummary`` out, in bounded memory whatever the log's size: one HDR histogram per
route (at most ``MAX_ROUTES`` routes, the rest counted as "(other routes)"), and counts per second kept only
for the last ``LATE_S`` seconds (nginx writes a line when a request ends, so lines arrive a little out of
order). Health checks and bots are counted apart and enter no figure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from perfscore.artifacts.field import FieldSummary, RouteFigures
from perfscore.load.hdr import Recorder, percentiles
from perfscore.logformat import Entry
from perfscore.routes import is_asset, route_of

MAX_ROUTES = 200
ROUTE_DIGITS = 2  # a route's histograms to 1 % (about 50 KB each); the whole log's to 0.1 %
LATE_S = 120  # seconds a line may come late and still count in its second
_OWN = re.compile(r"\bperfscore\b", re.I)  # perfscore's own requests (perfscore/0.1, perfscore-load): not users'
_BOT = re.compile(r"bot\b|bot/|spider|crawler|slurp|facebookexternalhit|bingpreview|curl/|wget/", re.I)
_HEALTH_UA = re.compile(r"kube-probe|ELB-HealthChecker|GoogleHC|Blackbox Exporter|Consul Health|UptimeRobot", re.I)
_HEALTH_PATH = re.compile(
    r"^/(?:health|healthz|healthcheck|ping|status|ready|readyz|livez|alive|fpm-status|nginx_status)(?:[/?]|$)", re.I
)


class _Route:
    __slots__ = ("requests", "e5", "e4", "lat", "up", "sample")

    def __init__(self, sample: str = "") -> None:
        self.sample = sample
        self.requests = self.e5 = self.e4 = 0
        self.lat: Recorder | None = None
        self.up: Recorder | None = None


class _Peaks:
    """The busiest second and minute, from counts of the last LATE_S seconds only (settled as the log's
    time moves on, so memory stays a few minutes' worth whatever its length). A line more than LATE_S
    behind the newest is counted in the totals, not in a peak (``late``): pass several servers' logs merged
    in time order, not one after the other."""

    def __init__(self) -> None:
        self.seconds: Counter[int] = Counter()
        self.minutes: Counter[int] = Counter()
        self.minute_time: Counter[int] = Counter()  # µs of $request_time summed per minute
        self.timed: Counter[int] = Counter()  # requests with a $request_time per minute
        self.newest = 0
        self.floor = 0  # seconds before this are settled (a whole minute)
        self.late = 0
        self.best_s: tuple[int, int] = (0, 0)
        self.best_m: tuple[int, int, int, int] = (0, 0, 0, 0)  # requests, -minute, summed µs, timed requests

    def add(self, ts: float, us: int | None) -> None:
        sec = int(ts)
        if sec < self.floor:
            self.late += 1
            return
        self.seconds[sec] += 1
        self.minutes[sec // 60] += 1
        if us is not None:
            self.minute_time[sec // 60] += us
            self.timed[sec // 60] += 1
        if sec > self.newest:
            self.newest = sec
            if sec - LATE_S >= self.floor + 60:
                self._settle((sec - LATE_S) // 60 * 60)

    def _settle(self, before: int) -> None:
        for s in [s for s in self.seconds if s < before]:
            self.best_s = max(self.best_s, (self.seconds.pop(s), -s))
        for m in [m for m in self.minutes if m < before // 60]:
            n = self.minutes.pop(m)
            self.best_m = max(self.best_m, (n, -m, self.minute_time.pop(m, 0), self.timed.pop(m, 0)))
        self.floor = max(self.floor, before)

    def done(self) -> tuple[tuple[int, int], tuple[int, int, int, int]]:
        self._settle(1 << 62)
        return self.best_s, self.best_m


def kind(e: Entry) -> str:
    """'own', 'health', 'bot' or 'user'."""
    if _OWN.search(e.user_agent):
        return "own"
    if _HEALTH_UA.search(e.user_agent) or _HEALTH_PATH.match(e.path):
        return "health"
    if _BOT.search(e.user_agent):
        return "bot"
    return "user"


def summarise(
    entries: Iterable[Entry | None],
    *,
    since: float | None = None,
    until: float | None = None,
    malformed_lines: Iterable[str] = (),
) -> FieldSummary:
    """The figures of ``entries`` (a None is a line that could not be read) from ``since`` to before ``until``."""
    routes: dict[tuple[str, str], _Route] = {}
    other = _Route()
    other_keys: set[int] = set()
    total = _Route()
    peaks = _Peaks()
    counts: Counter[str] = Counter()
    first = last = None
    lines = malformed = assets = 0
    for e in entries:
        lines += 1
        if e is None:
            malformed += 1
            continue
        if (since is not None and e.ts < since) or (until is not None and e.ts >= until):
            continue
        k = kind(e)
        counts[k] += 1
        if k != "user":
            continue
        first = e.ts if first is None else min(first, e.ts)
        last = e.ts if last is None else max(last, e.ts)
        key = (e.method, route_of(e.path))
        r = routes.get(key)
        if r is None:
            if len(routes) < MAX_ROUTES:
                r = routes[key] = _Route(e.path[:500])
            else:
                if len(other_keys) < 100_000:
                    other_keys.add(hash(key))  # a hash: a scanner's 5,000-character routes cost 8 bytes each
                r = other
        us = round(e.request_time_s * 1_000_000) if e.request_time_s is not None else None
        for target in (r, total):
            digits = 3 if target is total else ROUTE_DIGITS
            target.requests += 1
            if e.status >= 500:
                target.e5 += 1
            elif e.status >= 400:
                target.e4 += 1
            if us is not None:
                target.lat = target.lat or Recorder(digits)
                target.lat.add(us)
            if e.upstream_s is not None:
                target.up = target.up or Recorder(digits)
                target.up.add(round(e.upstream_s * 1_000_000))
        if is_asset(e.path.split("?", 1)[0]):
            assets += 1
        peaks.add(e.ts, us)
    best_s, best_m = peaks.done()
    timed = total.lat.n if total.lat else 0
    concurrency = None
    if best_m[0] and best_m[3]:  # the minute's rate x the mean $request_time of its timed requests
        mean_s = best_m[2] / 1_000_000 / best_m[3]
        concurrency = round(best_m[0] / 60 * mean_s, 2)
    ordered = sorted(routes.items(), key=lambda kv: (-kv[1].requests, kv[0]))
    return FieldSummary(
        first_ts=first,
        last_ts=last,
        lines=lines,
        malformed=malformed,
        malformed_examples=list(malformed_lines)[:3],
        requests=total.requests,
        health_checks=counts["health"],
        bots=counts["bot"],
        own=counts["own"],
        assets=assets,
        errors_5xx=total.e5,
        errors_4xx=total.e4,
        timed=timed,
        latency_ms=_pct(total.lat),
        peak_rps=best_s[0],
        peak_rps_at=float(-best_s[1]) if best_s[0] else None,
        peak_minute=best_m[0],
        peak_minute_at=float(-best_m[1] * 60) if best_m[0] else None,
        concurrency=concurrency,
        routes=[
            RouteFigures(
                route=route,
                method=method,
                sample=r.sample,
                requests=r.requests,
                errors_5xx=r.e5,
                errors_4xx=r.e4,
                latency_ms=_pct(r.lat),
                upstream_ms=_pct(r.up),
            )
            for (method, route), r in ordered
        ],
        other_routes=len(other_keys),
    )


def _pct(rec: Recorder | None) -> Any:
    return percentiles(rec.histogram()) if rec is not None and rec.n else None
