"""Single-user gatherer: each GET endpoint requested alone, a few times in a row, before the window's traffic.

What a page costs with nobody else on the server (its own work, no contention), whether a page cache
answers the repeats (cache-hit headers, a cache plugin's mark, or a first byte that collapses after the
first request), whether the page is the same for every visitor (its bodies compared, its cookies and
cache headers kept), and a static file of the same server timed alike: what a cached page would cost.
Each answer's type, encoding and size are kept too, so every text answer of the mix is checked for
compression and weight without another request. Bounded: at most MAX_ENDPOINTS endpoints (REPEATS
requests each for the first TIMED, 2 for the rest) and REPEATS of one static file, one at a time.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import urlsplit

from perfscore.artifacts.unloaded import EndpointSeries, Repeat, UnloadedSnapshot
from perfscore.config import SECRET_HEADERS
from perfscore.gatherers.assets import asset_urls
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.fingerprint import cache_marker, cookie_names
from perfscore.gatherers.http import Response, fetch, join

MAX_ENDPOINTS = 20
TIMED = 8  # endpoints requested REPEATS times; the others twice (enough to compare, cheap)
REPEATS = 5
ENOUGH = 3  # repeats that suffice once an endpoint's series has taken SLOW_SERIES_S
SLOW_SERIES_S = 1.0
GENTLE_REPEATS = 2
BUDGET_S = 8.0  # for all of it: a slow or hanging server costs these figures, never the audit's schedule
STATIC_RESERVE_S = 0.5  # of the budget, kept for the static file
STATIC_SUFFIXES = (".css", ".js", ".svg", ".png", ".ico", ".gif", ".jpg", ".jpeg", ".webp", ".woff2", ".woff", ".txt")
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


def repeat_of(r: Response) -> Repeat:
    """One answer as the snapshot keeps it: timings, cache headers, what it was; cookie names, never values."""
    h = r.headers
    declared = h.get("content-length", "")
    sent = max(r.wire_bytes, int(declared)) if declared.isdigit() else r.wire_bytes
    return Repeat(
        status=r.status,
        ttfb_ms=round(r.ttfb_ms, 3),
        cache_headers={k: h[k][:80] for k in CACHE_HEADERS if k in h},
        content_type=h.get("content-type", "")[:200],
        content_encoding=h.get("content-encoding", "").strip()[:100],
        body_bytes=len(r.body),
        sent_bytes=sent,
        digest=hashlib.sha256(r.body).hexdigest(),
        set_cookie=cookie_names(h.get("set-cookie", ""))[:20],
        vary=h.get("vary", "")[:200],
        cache_control=h.get("cache-control", "")[:200],
        validators=[k for k in ("etag", "last-modified") if k in h],
        cache_marker=cache_marker(r.text()) if "html" in h.get("content-type", "").lower() else None,
    )


def difference(a: bytes, b: bytes) -> str:
    """Where two bodies first differ, with a little of each: 'byte 1,234: '…token=ab12' / '…token=cd34''."""
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))

    def part(body: bytes) -> str:
        return body[max(0, n - 20) : n + 20].decode("utf-8", errors="replace").replace("\n", " ")

    sizes = f", {len(a):,} then {len(b):,} bytes" if len(a) != len(b) else ""
    return f"from byte {n:,}{sizes}: {part(a)!r} then {part(b)!r}"


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
        self.deadline = time.monotonic() + min(BUDGET_S, self.ctx.config.audit.probe_timeout_s / 2)
        # A gentle audit (audit.load.rate, a production site) keeps its pace here too: two requests an
        # endpoint, spaced as the window's traffic will be.
        rate = cfg.audit.load.rate
        self.gap = 1.0 / rate if rate else 0.0
        self.page: tuple[str, str] | None = None  # the first HTML page answered: its assets hold a static file
        for i, ep in enumerate([e for e in cfg.endpoints if e.method == "GET"][:MAX_ENDPOINTS]):
            url = join(cfg.target.base_url, ep.path)
            repeats_each = GENTLE_REPEATS if rate or i >= TIMED else REPEATS
            credentials = any(k.lower() in SECRET_HEADERS for k in ep.headers)
            s = self._series(ep.name, ep.path, url, dict(ep.headers), repeats_each, STATIC_RESERVE_S)
            series.append(s.model_copy(update={"credentials": credentials}))
        if not any(e.repeats for e in series):  # nothing answered: no snapshot, so nothing proves the target up
            raise ProbeUnavailable(next((e.error for e in series if e.error), "no GET endpoint answered"))
        static, note = self._static(GENTLE_REPEATS if rate else REPEATS)
        self.snapshot = UnloadedSnapshot(endpoints=series, static=static, static_note=note)

    def _series(
        self, name: str, path: str, url: str, headers: dict[str, str], count: int, reserve: float
    ) -> EndpointSeries:
        """``count`` requests of ``url`` in a row (stopping at the first that gets no answer)."""
        cfg = self.ctx.config
        repeats: list[Repeat] = []
        error = diff = None
        first: bytes | None = None
        began = time.monotonic()
        for _ in range(count):
            if len(repeats) >= ENOUGH and time.monotonic() - began > SLOW_SERIES_S:
                break  # a slow endpoint: three timings of 400 ms tell its single-user time; five cost 2 s
            if self.gap:
                time.sleep(min(self.gap, max(self.deadline - reserve - time.monotonic(), 0.0)))
            left = self.deadline - reserve - time.monotonic()
            if left <= 0.05:
                error = "not requested: the single-user budget was spent"
                break
            try:
                r = fetch(url, headers=headers, user_agent=cfg.target.user_agent, timeout=left)
            except ProbeUnavailable as exc:
                error = str(exc)
                break
            repeats.append(repeat_of(r))
            if first is None:
                first = r.body
                if self.page is None and r.status == 200 and "html" in r.headers.get("content-type", ""):
                    self.page = (url, r.text())
            elif diff is None and r.body != first:
                diff = difference(first, r.body)
        return EndpointSeries(name=name, path=path, url=url, repeats=repeats, difference=diff, error=error)

    def _static(self, count: int) -> tuple[EndpointSeries | None, str | None]:
        """A static file of the same server timed like the pages: one the first HTML page links, else
        /favicon.ico; the first of at most three that answers 200."""
        assert self.ctx.config.target.base_url is not None
        linked = asset_urls(*self.page) if self.page else []
        candidates = [u for u in linked if urlsplit(u).path.lower().endswith(STATIC_SUFFIXES)]
        candidates.append(join(self.ctx.config.target.base_url, "/favicon.ico"))
        tried = []
        for url in list(dict.fromkeys(candidates))[:3]:
            path = urlsplit(url).path or "/"
            s = self._series(path, path, url, dict(self.target_headers), count, 0.0)  # the session too
            if len(s.repeats) >= 1 and all(r.status == 200 for r in s.repeats):
                return s, None
            tried.append(f"{path}: {s.error or 'answered ' + str(s.repeats[0].status if s.repeats else 0)}")
        return None, "; ".join(tried)[:300] or "no static file to time"

    def end(self) -> UnloadedSnapshot:
        return self.snapshot
