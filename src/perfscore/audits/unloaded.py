"""Single-user audits: whether a page cache answers repeated identical requests (a measured fact)."""

from __future__ import annotations

import re
import statistics

from perfscore.artifacts.unloaded import EndpointSeries, Repeat, UnloadedSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured

HIT = re.compile(r"\bhit\b", re.I)
COLLAPSE = 0.3  # a repeat's first byte this much faster than the first request's: something cached it
COLLAPSE_MIN_MS = 20.0  # ... when the first request took at least this long


def cache_hit(r: Repeat) -> str | None:
    """The header that says a cache answered, if one does."""
    for name, value in r.cache_headers.items():
        if name == "age":
            if value.strip().isdigit() and int(value) > 0:
                return "age"
        elif name == "x-varnish":
            if len(value.split()) >= 2:  # two ids: the answer came from Varnish's cache
                return name
        elif HIT.search(value):
            return name
    return None


def alone_ms(e: EndpointSeries) -> float | None:
    """Median first-byte time of an endpoint requested alone (successful answers)."""
    ok = [r.ttfb_ms for r in e.repeats if 200 <= r.status < 400]
    return round(statistics.median(ok), 2) if ok else None


@audit(
    "http.page_cache",
    title="A page cache answers repeated requests",
    category="caching",
    description="each GET endpoint requested 5 times in a row by one user before the window: a cache-hit header "
    "on a repeat (X-Cache, CF-Cache-Status, X-FastCGI-Cache, Age > 0, Varnish) is a page cache; a first byte "
    "that collapses after the first request is some cache (page or object), shown, not counted",
    source="https://developer.mozilla.org/en-US/docs/Web/HTTP/Caching",
)
def page_cache(u: UnloadedSnapshot) -> Outcome:
    answered = [e for e in u.endpoints if sum(1 for r in e.repeats if r.status == 200) >= 2]
    if not answered:
        errors = "; ".join(e.error for e in u.endpoints if e.error)[:240]
        raise Unmeasurable("no GET endpoint answered 200 twice in a row" + (f" ({errors})" if errors else ""))
    rows = []
    for e in answered:
        ok = [r for r in e.repeats if r.status == 200]
        first, later = ok[0].ttfb_ms, statistics.median(r.ttfb_ms for r in ok[1:])
        rows.append(
            {
                "endpoint": e.name,
                "hit_header": next((h for r in ok[1:] if (h := cache_hit(r))), None),
                "first_ms": round(first, 2),
                "repeat_ms": round(later, 2),
                "faster_on_repeat": first >= COLLAPSE_MIN_MS and later <= COLLAPSE * first,
            }
        )
    cached = [str(r["endpoint"]) for r in rows if r["hit_header"]]
    return measured(
        bool(cached),
        summary=f"a page cache answered: {', '.join(cached)}"
        if cached
        else "no page cache: no repeat carried a cache-hit header",
        endpoints=rows,
    )
