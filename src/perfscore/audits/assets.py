"""Asset and payload audits: cache headers on the page's assets, its load time, and every text answer's
compression and weight (the page, its assets and each GET route of the mix)."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from perfscore.artifacts.assets import AssetsSnapshot
from perfscore.artifacts.http import HttpAnswer
from perfscore.artifacts.unloaded import UnloadedSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured, not_applicable, unavailable
from perfscore.audits.unloaded import label

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
MAX_LISTED = 20  # offending answers named in the evidence
HEAVY_ROUTE_KB = 500.0  # a single answer this heavy is worth paginating or trimming


@dataclass(frozen=True)
class Answer:
    """One answer of the page, its assets or the mix's GET routes, as the text and weight audits read it."""

    url: str
    name: str  # a route's name and path, or an asset's path
    ctype: str
    encoding: str
    body_bytes: int
    sent: int
    route: bool


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


def _routes(u: UnloadedSnapshot | None) -> list[Answer]:
    """Each GET route's first 200 answer (requested alone before the window), when it was kept."""
    out = []
    for e in u.endpoints if u else []:
        r = next((r for r in e.repeats if r.status == 200), None)
        if r is not None and e.url and r.digest:  # runs saved before the answers were kept have no digest
            enc = r.content_encoding.lower().strip()
            out.append(Answer(e.url, label(e), r.content_type.lower(), enc, r.body_bytes, r.sent_bytes, True))
    return out


def answers(s: AssetsSnapshot, u: UnloadedSnapshot | None) -> list[Answer]:
    """The page and its assets, then every GET route of the mix not among them; each URL once."""
    routes = _routes(u)
    named = {a.url: a.name for a in routes}
    out = [
        Answer(
            r.url,
            named.get(r.url, _short(r.url, s.page_url)),
            r.headers.get("content-type", "").lower(),
            r.headers.get("content-encoding", "").lower().strip(),
            r.body_bytes,
            sent_bytes(r),
            False,
        )
        for r in _loaded(s)
    ]
    seen = {a.url for a in out}
    return out + [a for a in routes if a.url not in seen]


@audit(
    "http.text_compression",
    title="Text answers sent compressed (gzip/br)",
    unit="ratio",
    category="response_time",
    description="share of the bytes of text answers over 1 KB (the HTML page, its same-origin CSS, JS, SVG, and "
    "every GET route of the mix: HTML and JSON APIs) that came gzip/br-compressed when asked with Accept-Encoding: "
    "gzip; the uncompressed ones named (route and path)",
    source="https://developer.chrome.com/docs/lighthouse/performance/uses-text-compression/",
)
def text_compression(s: AssetsSnapshot, u: UnloadedSnapshot | None) -> Outcome:
    text = [a for a in answers(s, u) if TEXT_TYPES.match(a.ctype) and a.body_bytes > COMPRESS_OVER]
    if not text:
        return not_applicable(f"no text answer over {COMPRESS_OVER:,} bytes on the page or the mix's routes")
    plain = sorted((a for a in text if a.encoding in ("", "identity")), key=lambda a: -a.body_bytes)
    total = sum(a.body_bytes for a in text)
    share = 1 - sum(a.body_bytes for a in plain) / total
    more = f" and {len(plain) - 5} more" if len(plain) > 5 else ""
    return measured(
        round(share, 4),
        summary=(
            f"sent uncompressed: {', '.join(a.name for a in plain[:5])}{more} "
            f"({sum(a.body_bytes for a in plain) / 1024:,.1f} KB)"
        )
        if plain
        else None,
        uncompressed=[
            {"url": a.url, "name": a.name, "route": a.route, "bytes": a.body_bytes, "type": a.ctype}
            for a in plain[:MAX_LISTED]
        ],
        uncompressed_answers=len(plain),
        text_answers=len(text),
        routes_checked=sum(1 for a in text if a.route),
        text_bytes=total,
    )


@audit(
    "http.page_weight",
    title="Page weight (the heaviest of the page with its assets and each GET route, as sent)",
    unit="KB",
    category="response_time",
    description="bytes sent for the HTML page and its same-origin assets, or for the heaviest single GET route of the "
    "mix if that is more (compressed where the server compressed), in KB of 1,024 bytes; the largest listed, the "
    "heaviest route named. Cross-origin assets (CDNs, fonts) and the assets of the routes' pages are not fetched",
    source="https://developer.chrome.com/docs/lighthouse/performance/total-byte-weight/",
)
def page_weight(s: AssetsSnapshot, u: UnloadedSnapshot | None) -> Outcome:
    if s.page is None:
        raise Unmeasurable("the page's own answer was not kept (a run from an older perfscore)")
    loaded = _loaded(s)
    sizes = sorted(((sent_bytes(r), r.url) for r in loaded), reverse=True)
    failed = [r.url for r in s.assets if r.status != 200]
    page_kb = round(sum(b for b, _ in sizes) / 1024, 2)
    routes = sorted(_routes(u), key=lambda a: -a.sent)
    heaviest = routes[0] if routes and routes[0].sent / 1024 > page_kb else None
    value = round(heaviest.sent / 1024, 2) if heaviest else page_kb
    summary = advice = None
    if heaviest is not None:
        summary = f"{heaviest.name} sends {value:,.0f} KB; the page with its assets {page_kb:,.0f} KB"
        if value >= HEAVY_ROUTE_KB:
            advice = (
                f"Paginate or trim {heaviest.name}: one view sends {value:,.0f} KB"
                + (" uncompressed; compress it too" if heaviest.encoding in ("", "identity") else "")
                + " (ask for a page of rows, leave out fields nobody reads)."
            )
    return measured(
        value,
        summary=summary,
        advice=advice,
        low_confidence=f"{len(failed)} assets did not load and are not counted" if failed else None,
        page_kb=page_kb,
        largest=[{"url": u, "kb": round(b / 1024, 2)} for b, u in sizes[:5]],
        requests=len(loaded),
        not_loaded=failed[:10],
        routes=[{"name": a.name, "kb": round(a.sent / 1024, 2), "type": a.ctype} for a in routes[:5]],
        heaviest=heaviest.name if heaviest else None,
    )
