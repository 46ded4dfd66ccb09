"""Static assets gatherer: the first HTML page, its same-origin assets' headers, timed page loads."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from perfscore.artifacts.assets import AssetsSnapshot
from perfscore.artifacts.http import HttpAnswer
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import Response, fetch, join

MAX_ASSETS = 30
PAGE_LOADS = 3
BROWSER_CONNECTIONS = 6  # per-host connection limit of mainstream browsers


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


def asset_urls(page_url: str, html: str) -> list[str]:
    parser = _AssetLinks()
    parser.feed(html)
    origin = urlsplit(page_url).netloc
    urls: dict[str, None] = {}
    for link in parser.urls:
        try:  # a link that is no URL (`//[::1/x`) is skipped: one bad link must not cost the whole probe
            url = urljoin(page_url, link)
            if urlsplit(url).netloc == origin:
                urls[url] = None
        except ValueError:
            continue
    return list(urls)[:MAX_ASSETS]


class AssetsGatherer(Gatherer):
    name = "assets"

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def _fetch(self, url: str) -> Response:
        return fetch(
            url, headers=self.target_headers, user_agent=self.ctx.config.target.user_agent, timeout=self.http_timeout
        )

    def _answer(self, url: str) -> HttpAnswer:
        try:
            return self._fetch(url).answer(keep=0)
        except ProbeUnavailable as exc:
            return HttpAnswer(url=url, status=0, error=str(exc))

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

    def end(self) -> AssetsSnapshot:
        page_url, page = self._page()
        assets = asset_urls(page_url, page.text())
        return AssetsSnapshot(
            page_url=page_url,
            page_ttfb_ms=round(page.ttfb_ms, 3),
            page=page.answer(keep=0),
            assets=[self._answer(u) for u in assets],
            page_loads_ms=self._page_loads(page_url, assets),
        )

    def _page_loads(self, page_url: str, assets: list[str]) -> list[float]:
        """HTML then its assets over BROWSER_CONNECTIONS parallel fetches, PAGE_LOADS times."""
        loads = []
        with ThreadPoolExecutor(BROWSER_CONNECTIONS) as pool:
            for _ in range(PAGE_LOADS):
                t0 = time.perf_counter()
                self._fetch(page_url)
                list(pool.map(self._answer, assets))
                loads.append(round((time.perf_counter() - t0) * 1000, 3))
        return loads
