"""Static assets probe: cache headers and compression on the page's assets, and full page load time."""

from __future__ import annotations

import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from perfscore.probes.base import Probe, ProbeUnavailable
from perfscore.probes.http import Response, fetch, join
from perfscore.run import Measurement

MAX_ASSETS = 30
PAGE_LOADS = 3
BROWSER_CONNECTIONS = 6  # per-host connection limit of mainstream browsers
MAX_AGE = re.compile(r"(?:s-)?max-age=(\d+)")


class _AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and (a.get("rel") or "").lower() in ("stylesheet", "icon", "preload") and a.get("href"):
            self.urls.append(a["href"] or "")
        elif tag in ("script", "img") and a.get("src"):
            self.urls.append(a["src"] or "")


def cacheable(r: Response) -> bool:
    cc = r.headers.get("cache-control", "").lower()
    if "no-store" in cc or "no-cache" in cc:
        return False
    m = MAX_AGE.search(cc)
    return bool(m and int(m.group(1)) > 0) or "expires" in r.headers


class StaticAssetsProbe(Probe):
    name = "assets"
    metrics = ("http.static_cache_headers", "http.page_load")

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def _fetch(self, url: str) -> Response:
        t = self.ctx.config.target
        return fetch(url, user_agent=t.user_agent, timeout=min(10.0, self.ctx.config.audit.probe_timeout_s))

    def _page(self) -> tuple[str, Response]:
        t = self.ctx.config.target
        assert t.base_url is not None
        paths = ["/"] + [e.path for e in self.ctx.config.endpoints if e.method == "GET"]
        for path in dict.fromkeys(paths):
            url = join(t.base_url, path)
            r = self._fetch(url)
            if r.status == 200 and "html" in r.headers.get("content-type", ""):
                return url, r
        raise ProbeUnavailable("no configured GET endpoint returns an HTML page")

    def end(self) -> list[Measurement]:
        page_url, page = self._page()
        parser = _AssetLinks()
        parser.feed(page.text())
        origin = urlsplit(page_url).netloc
        assets = [u for u in dict.fromkeys(urljoin(page_url, x) for x in parser.urls) if urlsplit(u).netloc == origin][
            :MAX_ASSETS
        ]
        if not assets:
            reason = "the page references no same-origin static assets"
            return [self.unavailable("http.static_cache_headers", reason), self._page_load(page_url, [])]
        results = []
        for u in assets:
            try:
                r = self._fetch(u)
            except ProbeUnavailable as exc:
                results.append({"url": u, "error": str(exc), "cacheable": False})
                continue
            results.append(
                {
                    "url": u,
                    "status": r.status,
                    "cacheable": r.status == 200 and cacheable(r),
                    "cache_control": r.headers.get("cache-control"),
                    "etag": "etag" in r.headers,
                    "last_modified": "last-modified" in r.headers,
                    "content_encoding": r.headers.get("content-encoding"),
                }
            )
        ok = sum(1 for x in results if x["cacheable"])
        missing = [str(x["url"]) for x in results if not x["cacheable"]]
        return [
            self.measured(
                "http.static_cache_headers",
                round(ok / len(results), 4),
                "ratio",
                assets=results,
                summary=("no cache headers on: " + ", ".join(missing[:5])) if missing else None,
            ),
            self._page_load(page_url, assets),
        ]

    def _page_load(self, page_url: str, assets: list[str]) -> Measurement:
        """HTML then its assets over BROWSER_CONNECTIONS parallel fetches, median of PAGE_LOADS loads."""
        loads = []
        with ThreadPoolExecutor(BROWSER_CONNECTIONS) as pool:
            for _ in range(PAGE_LOADS):
                t0 = time.perf_counter()
                self._fetch(page_url)
                list(pool.map(self._fetch_quiet, assets))
                loads.append((time.perf_counter() - t0) * 1000)
        return self.measured(
            "http.page_load",
            round(statistics.median(loads), 2),
            "ms",
            assets=len(assets),
            loads_ms=[round(x, 2) for x in loads],
            note="HTML and its assets, no rendering",
        )

    def _fetch_quiet(self, url: str) -> int:
        try:
            return self._fetch(url).status
        except ProbeUnavailable:
            return 0
