"""Single-user audits: what a page cache would save on the anonymous pages that are the same for everyone,
or that one already answers them (measured facts: repeated identical requests, a static file beside them)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping
from typing import Any

from perfscore.artifacts.stack import StackSnapshot
from perfscore.artifacts.unloaded import EndpointSeries, Repeat, UnloadedSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured, not_applicable

HIT = re.compile(r"\bhit\b", re.I)
COLLAPSE = 0.3  # a repeat's first byte this much faster than the first request's: something cached it
COLLAPSE_MIN_MS = 20.0  # ... when the first request took at least this long
ADVISE_MS = 50.0  # a gain this large per view is worth a page cache's upkeep
UNCACHEABLE_CC = re.compile(r"\b(private|no-store)\b", re.I)


def hit_header(headers: Mapping[str, str]) -> str | None:
    """The cache header that says a cache answered (X-Cache: HIT, Age > 0, Varnish's two ids …), if one does."""
    for name, value in headers.items():
        name = name.lower()
        if name == "age":
            if value.strip().isdigit() and int(value) > 0:
                return "age"
        elif name == "x-varnish":
            if len(value.split()) >= 2:  # two ids: the answer came from Varnish's cache
                return name
        elif HIT.search(value):
            return name
    return None


def cache_hit(r: Repeat) -> str | None:
    """The header that says a cache answered, if one does."""
    return hit_header(r.cache_headers)


def alone_ms(e: EndpointSeries) -> float | None:
    """Median first-byte time of an endpoint requested alone (successful answers)."""
    ok = [r.ttfb_ms for r in e.repeats if 200 <= r.status < 400]
    return round(statistics.median(ok), 2) if ok else None


def label(e: EndpointSeries) -> str:
    """An endpoint as reports name it: its route name and path."""
    return f"{e.name} ({e.path})" if e.name and e.name != e.path else e.path


def served_by_cache(e: EndpointSeries) -> str | None:
    """What says a page cache answered this endpoint: a hit header on a repeat, or a cache plugin's mark."""
    hit = next((f"{h}: {r.cache_headers.get(h, '')}" for r in e.repeats[1:] if (h := cache_hit(r))), None)
    return hit or next((r.cache_marker for r in e.repeats if r.cache_marker), None)


def not_cacheable(e: EndpointSeries) -> str | None:
    """Why a page cache could not serve this answer to every visitor as it is, or None when it could.

    The repeats' bodies are compared byte for byte (sha256 of each decoded body): nothing is ignored, so a
    per-request token or timestamp makes a page uncacheable as it is, and ``difference`` says where."""
    if e.credentials:
        return "requested with credentials (a cookie or an Authorization header): not an anonymous page"
    statuses = sorted({r.status for r in e.repeats if r.status != 200})
    if statuses:
        return f"answered {', '.join(map(str, statuses))}, not 200"
    cookies = sorted({c for r in e.repeats for c in r.set_cookie})
    if cookies:
        return f"sets cookies ({', '.join(cookies[:3])}): an answer per visitor"
    if any("cookie" in r.vary.lower() for r in e.repeats):
        return "Vary: Cookie: an answer per visitor"
    cc = next((r.cache_control for r in e.repeats if UNCACHEABLE_CC.search(r.cache_control)), None)
    if cc:
        return f"Cache-Control: {cc}"
    if len({r.digest for r in e.repeats}) > 1:
        return "its body changed between identical requests" + (f" ({e.difference})" if e.difference else "")
    return None


def _row(e: EndpointSeries) -> dict[str, Any]:
    first = e.repeats[0]
    return {
        "endpoint": e.name,
        "path": e.path,
        "alone_ms": alone_ms(e),
        "hit": served_by_cache(e),
        "not_cacheable": not_cacheable(e),
        "cache_control": first.cache_control or None,
        "validators": first.validators,
    }


def _timed(u: UnloadedSnapshot) -> list[EndpointSeries]:
    answered = [e for e in u.endpoints if len(e.repeats) >= 2 and any(r.status for r in e.repeats)]
    if not answered:
        errors = "; ".join(e.error for e in u.endpoints if e.error)[:240]
        raise Unmeasurable("no GET endpoint answered twice in a row" + (f" ({errors})" if errors else ""))
    if any(not r.digest for e in answered for r in e.repeats if r.status == 200):
        raise Unmeasurable("a run saved before perfscore compared repeated answers: cacheability not told")
    return answered


@audit(
    "http.page_cache",
    title="Time a page cache would save per anonymous view",
    unit="ms",
    category="caching",
    description="each anonymous GET endpoint requested 2-5 times in a row by one user before the window: cacheable "
    "when every answer is 200, sets no cookie, has no Vary: Cookie nor Cache-Control private/no-store, and the bodies "
    "are byte-identical (sha256; nothing ignored, where they differ is shown). The figure is the slowest cacheable "
    "page's median first byte minus a static file's of the same server; not applicable when no page is cacheable "
    "or a page cache already answers them (a hit header on a repeat, Age > 0, Varnish, a cache plugin's mark)",
    source="https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_cache",
)
def page_cache(u: UnloadedSnapshot, st: StackSnapshot | None) -> Outcome:
    answered = _timed(u)
    rows = [_row(e) for e in answered]
    fact = st.page_cache_present if st is not None else None
    known: dict[str, Any] = {"page_cache_present": fact.model_dump()} if fact is not None else {}
    served = [r for r in rows if r["hit"]]
    candidates = [(e, r) for e, r in zip(answered, rows, strict=True) if not r["hit"] and not r["not_cacheable"]]
    if not candidates:
        if served:
            names = ", ".join(f"{r['endpoint']} ({r['hit']})" for r in served[:5])
            return not_applicable(f"a page cache answers: {names}", endpoints=rows, **known)
        why = "; ".join(f"{label(e)}: {r['not_cacheable']}" for e, r in zip(answered, rows, strict=True))
        return not_applicable(f"no anonymous GET page is the same for every visitor: {why}"[:600], endpoints=rows)
    static = alone_ms(u.static) if u.static is not None else None
    e, r = max(candidates, key=lambda er: er[1]["alone_ms"] or 0.0)
    page_ms = float(r["alone_ms"] or 0.0)
    gain = round(max(page_ms - (static or 0.0), 0.0), 2)
    static_name = (
        f"a static file ({u.static.path})" if u.static is not None and static is not None else "no static file"
    )
    summary = (
        f"{label(e)} takes {page_ms:g} ms for one user, {static_name} {static:g} ms: "
        f"a page cache would save ~{gain:g} ms per anonymous view"
        if static is not None
        else f"{label(e)} takes {page_ms:g} ms for one user: a page cache would save up to that per anonymous view"
    )
    others = [label(x) for x, _ in candidates if x is not e][:4]
    advice = None
    if gain >= ADVISE_MS:
        bypass = (
            f"A page cache is present ({fact.source}) but did not answer {label(e)}: find why it passes it by "
            "(a cookie, the query string, a no-cache rule). "
            if fact is not None and fact.value is True
            else ""
        )
        advice = (
            f"{bypass}Cache {label(e)}{' and ' + ', '.join(others) if others else ''} in front of PHP (nginx "
            "fastcgi_cache keyed on the URL and bypassed when a session cookie is present, or a reverse proxy such "
            f"as Varnish): ~{gain:g} ms saved per anonymous view, and PHP spared the work."
        )
    return measured(
        gain,
        summary=summary,
        advice=advice,
        low_confidence=None if static is not None else f"no static file timed ({u.static_note or 'none found'})",
        page_ms=page_ms,
        static_ms=static,
        static_path=u.static.path if u.static is not None else None,
        cacheable=[label(x) for x, _ in candidates][:10],
        endpoints=rows,
        saving_ms=gain,  # the roadmap ranks by it: per anonymous view of the slowest cacheable page
        saving_basis=f"{label(e)} alone takes {page_ms:g} ms, {static_name} {static or 0:g} ms",
        **known,
    )


_DIRECTIVE = re.compile(r'\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*("(?:[^"\\\\]|\\\\.)*"|[^,]*))?\s*(?:,|$)')


def directives(cache_control: str) -> dict[str, str | None]:
    """Cache-Control's directives by lowercase name, their values unquoted (None: no value); quote-aware, so
    ``private="Set-Cookie, X"`` is one directive with a value."""
    out: dict[str, str | None] = {}
    for m in _DIRECTIVE.finditer(cache_control):
        if m.group(1):
            value = m.group(2)
            out.setdefault(m.group(1).lower(), value.strip().strip('"') if value is not None else None)
    return out


def _seconds(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def shared_may_serve(cache_control: str, *, authorization: bool) -> bool:
    """Whether a shared cache may store this answer and serve it to others without asking the origin (RFC 9111):
    fresh for a shared cache (s-maxage, max-age, or public with no max-age: heuristic freshness), and not kept
    from it by an unqualified ``private``, ``no-store`` or ``no-cache`` (``private="Set-Cookie"`` keeps out one
    header only). A request with credentials that may be an Authorization header is stored by a shared cache
    only when the answer says public, s-maxage or must-revalidate (§3.5)."""
    d = directives(cache_control)
    if "no-store" in d or ("private" in d and d["private"] is None) or ("no-cache" in d and d["no-cache"] is None):
        return False
    if authorization and not ({"public", "s-maxage", "must-revalidate"} & d.keys()):
        return False
    if "s-maxage" in d:
        return _seconds(d["s-maxage"]) > 0
    if "max-age" in d:
        return _seconds(d["max-age"]) > 0
    return "public" in d


def _per_visitor(e: EndpointSeries) -> str | None:
    """Why this answer belongs to one visitor (so no shared cache may keep it), or None."""
    if e.credentials:
        return "requested with the config's credentials"
    cookies = sorted({c for r in e.repeats for c in r.set_cookie})
    if cookies:
        return f"sets cookies ({', '.join(cookies[:3])})"
    return None


@audit(
    "http.route_cache_headers",
    title="Per-visitor answers a shared cache may keep",
    unit="routes",
    category="caching",
    description="the Cache-Control and validators (ETag, Last-Modified) of every GET route of the mix, timed alone "
    "before the window: a route that answers per visitor (it sets a cookie, or is requested with credentials) "
    "sent with Cache-Control that lets a shared cache (a CDN, a proxy) serve it to others without asking the origin "
    "(RFC 9111: s-maxage or max-age above 0, or public alone, and no unqualified private, no-store or no-cache; with "
    "credentials, only when public, s-maxage or must-revalidate say so) counts 1 — one visitor's page may be "
    "served to another. Answers that "
    "are the same for every visitor and carry neither max-age nor a validator are named (every view downloads "
    "them whole), not counted: the seed asks cache headers of static assets, which http.static_cache_headers "
    "judges",
    source="https://www.rfc-editor.org/rfc/rfc9111#name-cache-control",
)
def route_cache_headers(u: UnloadedSnapshot) -> Outcome:
    answered = [e for e in u.endpoints if any(r.status == 200 for r in e.repeats)]
    if not answered:
        raise Unmeasurable("no GET route of the mix answered 200 alone")
    rows, shared, refetched = [], [], []
    for e in answered:
        first = next(r for r in e.repeats if r.status == 200)
        cc = first.cache_control
        mine = _per_visitor(e)
        row: dict[str, Any] = {"endpoint": label(e), "cache_control": cc or None, "validators": first.validators}
        if mine:
            row["per_visitor"] = mine
        if mine and shared_may_serve(cc, authorization=e.credentials):
            row["problem"] = f"{mine}, yet Cache-Control: {cc}"
            shared.append(row)
        elif not_cacheable(e) is None and _seconds(directives(cc).get("max-age")) <= 0 and not first.validators:
            row["note"] = "the same for every visitor; no max-age, no ETag or Last-Modified"
            refetched.append(label(e))
        rows.append(row)
    summary = (
        f"{len(shared)} of {len(answered)} routes answer per visitor with headers a shared cache may keep: "
        + "; ".join(f"{r['endpoint']} ({r['problem']})" for r in shared[:3])
        + ("; …" if len(shared) > 3 else "")
        if shared
        else f"no per-visitor answer of the {len(answered)} routes may be kept by a shared cache"
    )
    if refetched:
        summary += (
            f"; {len(refetched)} the same for every visitor are sent with no max-age nor validator (every view "
            f"downloads them whole): {', '.join(refetched[:4])}" + (", …" if len(refetched) > 4 else "")
        )
    left_out = [label(e) for e in u.endpoints if e not in answered]
    if left_out:
        summary += f"; {len(left_out)} not answering 200 left out: {', '.join(left_out[:3])}"
    advice = (
        f"Send Cache-Control: private (or no-store) with {', '.join(r['endpoint'] for r in shared[:4])}: a CDN or "
        "proxy that honours public/max-age may hand one visitor's page, session cookie included, to the next."
        if shared
        else None
    )
    return measured(
        len(shared),
        summary=summary,
        advice=advice,
        routes=rows[:30],
        same_for_all_refetched=refetched,
        not_answering_200=left_out,
    )
