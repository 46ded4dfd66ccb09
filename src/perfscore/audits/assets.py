"""Static asset audits: cache headers on the page's assets, and the page's full load time."""

from __future__ import annotations

import re
import statistics

from perfscore.artifacts.assets import AssetsSnapshot
from perfscore.artifacts.http import HttpAnswer
from perfscore.audits.base import Outcome, audit, measured, unavailable

MAX_AGE = re.compile(r"(?:s-)?max-age=(\d+)")


def cacheable(r: HttpAnswer) -> bool:
    if r.status != 200:
        return False
    cc = r.headers.get("cache-control", "").lower()
    if "no-store" in cc or "no-cache" in cc:
        return False
    m = MAX_AGE.search(cc)
    return bool(m and int(m.group(1)) > 0) or "expires" in r.headers


@audit(
    "http.static_cache_headers",
    title="Static assets sent with cache headers",
    unit="ratio",
    category="caching",
    evidence="share of the page's same-origin assets answered 200 with a positive max-age or Expires",
)
def static_cache_headers(s: AssetsSnapshot) -> Outcome:
    if not s.assets:
        return unavailable("the page references no same-origin static assets")
    results = [
        {
            "url": r.url,
            "status": r.status,
            "error": r.error,
            "cacheable": cacheable(r),
            "cache_control": r.headers.get("cache-control"),
            "etag": "etag" in r.headers,
            "last_modified": "last-modified" in r.headers,
            "content_encoding": r.headers.get("content-encoding"),
        }
        for r in s.assets
    ]
    missing = [str(x["url"]) for x in results if not x["cacheable"]]
    ok = len(results) - len(missing)
    return measured(
        round(ok / len(results), 4),
        summary=("no cache headers on: " + ", ".join(missing[:5])) if missing else None,
        assets=results,
    )


@audit(
    "http.page_load",
    title="Page load (HTML and its assets)",
    unit="ms",
    category="response_time",
    evidence="median of 3 loads: the HTML, then its assets over 6 parallel connections; no rendering",
)
def page_load(s: AssetsSnapshot) -> Outcome:
    if not s.page_loads_ms:
        return unavailable("no page load completed")
    return measured(
        round(statistics.median(s.page_loads_ms), 2),
        assets=len(s.assets),
        loads_ms=[round(x, 2) for x in s.page_loads_ms],
        ttfb_ms=round(s.page_ttfb_ms, 2),
        note="HTML and its assets, no rendering",
    )
