"""Static asset audits: cache headers on the page's assets, and the page's full load time."""

from __future__ import annotations

import re
import statistics

from perfscore.artifacts.assets import AssetsSnapshot
from perfscore.artifacts.http import HttpAnswer
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured, not_applicable, unavailable

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
    title="Static assets with cache headers",
    unit="ratio",
    category="caching",
    description="share of the page's same-origin assets answered 200 with a positive max-age or Expires",
    source="https://developer.chrome.com/docs/lighthouse/performance/uses-long-cache-ttl/",
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
    description="median of 3 loads: the HTML, then its assets over 6 parallel connections; no rendering",
    source="https://web.dev/articles/lcp",
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


COMPRESS_OVER = 1024  # bytes: text answers smaller than this gain little from compression (Lighthouse: 1.4 KB)
TEXT_TYPES = re.compile(r"^(text/|application/(javascript|x-javascript|json|ld\+json|xml|manifest\+json)|image/svg)")


def _loaded(s: AssetsSnapshot) -> list[HttpAnswer]:
    """The page's HTML and its assets that answered 200."""
    return [r for r in ([s.page] if s.page else []) + s.assets if r.status == 200]


def sent_bytes(r: HttpAnswer) -> int:
    """Bytes of the body as sent; Content-Length when the fetch stopped short of a large body."""
    declared = r.headers.get("content-length", "")
    wire = r.wire_bytes if r.wire_bytes is not None else r.body_bytes
    return max(wire, int(declared)) if declared.isdigit() else wire


def _short(url: str, page_url: str) -> str:
    return url.removeprefix(page_url.rstrip("/")) or "/"


@audit(
    "http.text_compression",
    title="Text answers sent compressed (gzip/br)",
    unit="ratio",
    category="response_time",
    description="share of the bytes of text answers over 1 KB (the HTML page and its same-origin CSS, JS, JSON, "
    "SVG) that came gzip/br-compressed when asked with Accept-Encoding: gzip; the uncompressed ones listed",
    source="https://developer.chrome.com/docs/lighthouse/performance/uses-text-compression/",
)
def text_compression(s: AssetsSnapshot) -> Outcome:
    text = [
        r
        for r in _loaded(s)
        if TEXT_TYPES.match(r.headers.get("content-type", "").lower()) and r.body_bytes > COMPRESS_OVER
    ]
    if not text:
        return not_applicable(f"no text answer over {COMPRESS_OVER:,} bytes on the page")
    plain = [r for r in text if r.headers.get("content-encoding", "identity").lower().strip() in ("", "identity")]
    total = sum(r.body_bytes for r in text)
    share = 1 - sum(r.body_bytes for r in plain) / total
    return measured(
        round(share, 4),
        summary=(
            f"sent uncompressed: {', '.join(_short(r.url, s.page_url) for r in plain[:5])} "
            f"({sum(r.body_bytes for r in plain) / 1024:,.1f} KB)"
        )
        if plain
        else None,
        uncompressed=[{"url": r.url, "bytes": r.body_bytes, "type": r.headers.get("content-type", "")} for r in plain],
        text_answers=len(text),
        text_bytes=total,
    )


@audit(
    "http.page_weight",
    title="Page weight (HTML and its assets, as sent)",
    unit="KB",
    category="response_time",
    description="bytes sent for the HTML page and its same-origin assets (compressed where the server compressed), "
    "in KB of 1,024 bytes; the largest listed. Cross-origin assets (CDNs, fonts) are not fetched",
    source="https://developer.chrome.com/docs/lighthouse/performance/total-byte-weight/",
)
def page_weight(s: AssetsSnapshot) -> Outcome:
    if s.page is None:
        raise Unmeasurable("the page's own answer was not kept (a run from an older perfscore)")
    loaded = _loaded(s)
    sizes = sorted(((sent_bytes(r), r.url) for r in loaded), reverse=True)
    failed = [r.url for r in s.assets if r.status != 200]
    total = sum(b for b, _ in sizes)
    return measured(
        round(total / 1024, 2),
        low_confidence=f"{len(failed)} assets did not load and are not counted" if failed else None,
        largest=[{"url": u, "kb": round(b / 1024, 2)} for b, u in sizes[:5]],
        requests=len(loaded),
        not_loaded=failed[:10],
    )
