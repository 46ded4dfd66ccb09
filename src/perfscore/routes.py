"""URLs a crawl found, grouped into routes: ``/loan/123`` and ``/loan/456`` are one route ``/loan/{id}``.

Pure: no I/O. The crawler (``perfscore.gatherers.crawl``) reports what it saw as ``Found`` URLs and
``Form``s; ``group`` turns them into the routes of a load mix, weighted by how often pages link to them,
with the static assets and the forms kept apart. Forms never enter a mix: they write data.

What enters the mix:
- a URL fetched with a 2xx answer, or a 5xx one if a page linked to it (a failing page is a finding);
- never a 4xx (a guessed path from robots.txt or a sitemap that does not exist, or a broken link),
  never a redirect (its target is crawled instead), never a URL that was not fetched on its own and
  whose route has no fetched sample;
- a guessed path (robots.txt, sitemap, a common guess) that answers 5xx stays out too: no page links to it.
It imports nothing of perfscore.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

ASSET_EXTENSIONS = frozenset(
    ("css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp")
    + ("woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg", "wav", "pdf", "zip")
)
_ASSET_TYPES = ("text/css", "javascript", "image/", "font/", "audio/", "video/", "application/font")

_NUMBER = re.compile(r"^\d+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]{8,}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{4}/\d{2}/\d{2}$")
_NAME = re.compile(r"[^a-z0-9]+")

Kind = Literal["page", "api"]


@dataclass(frozen=True)
class Found:
    """One same-origin URL the crawl met: fetched (``status``) or only linked to."""

    path: str  # path and query, as requested: /loan/4242?tab=1
    links: int = 0  # how many times the pages fetched link to it
    status: int | None = None  # None: not fetched (the budget ran out, or robots.txt disallows it)
    content_type: str = ""
    guessed: bool = False  # from robots.txt, a sitemap or a common guess, not from a page's link
    redirect: bool = False  # answered 3xx (its target is crawled instead)


@dataclass(frozen=True)
class Form:
    """A form a page holds: never in a mix (it writes data)."""

    method: str
    action: str
    fields: tuple[str, ...] = ()
    page: str = "/"


@dataclass(frozen=True)
class Route:
    pattern: str  # /loan/{id}?tab={tab}
    name: str
    kind: Kind
    weight: int  # links to it (at least 1)
    samples: tuple[str, ...]
    statuses: tuple[int, ...]  # the fetched samples' answers

    @property
    def sample(self) -> str:
        return self.samples[0]

    @property
    def failing(self) -> bool:
        return any(s >= 500 for s in self.statuses)


@dataclass(frozen=True)
class Grouping:
    routes: list[Route] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (path, why) of URLs kept out of the mix


def segment(seg: str) -> str:
    """A path segment's placeholder: ids, UUIDs, hashes and dates vary between samples of one route."""
    if _NUMBER.match(seg):
        return "{id}"
    if _UUID.match(seg):
        return "{uuid}"
    if _DATE.match(seg):
        return "{date}"
    if _HEX.match(seg) and any(c.isdigit() for c in seg) and any(c.isalpha() for c in seg):
        return "{hash}"
    return seg


def _pattern(p: str) -> str:
    p = re.sub(r"\d{4}/\d{2}/\d{2}", "{date}", p)  # a date spread over three segments
    return "/".join(segment(s) for s in p.split("/")) or "/"


_known_pattern = functools.lru_cache(maxsize=8192)(_pattern)  # at most 8,192 paths of ≤ 256 characters: ~3 MB


def _path_pattern(p: str) -> str:
    """A path's pattern: an access log repeats its paths (a route's ids repeat too), so a short one is worked
    out once; a long one (a scanner's) is worked out each time, and never kept."""
    return _known_pattern(p) if len(p) <= 256 else _pattern(p)


def route_of(path: str) -> str:
    """``/loan/123?page=2&q=x`` -> ``/loan/{id}?page={page}&q={q}``: segments generalised, queries by name."""
    parts = urlsplit(path)
    pattern = _path_pattern(parts.path or "/")
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if k})
    if names:
        pattern += "?" + "&".join(f"{n}={{{_ident(n)}}}" for n in names)
    return pattern


def _ident(name: str) -> str:
    return _NAME.sub("_", name.lower()).strip("_")[:40] or "param"


def is_asset(path: str, content_type: str = "") -> bool:
    ext = urlsplit(path).path.rsplit("/", 1)[-1]
    ext = ext.rsplit(".", 1)[-1].lower() if "." in ext else ""
    ct = content_type.lower()
    return ext in ASSET_EXTENSIONS or any(t in ct for t in _ASSET_TYPES)


def is_api(path: str, content_type: str = "") -> bool:
    p = urlsplit(path).path.lower()
    return "json" in content_type.lower() or p.endswith(".json") or p.startswith("/api/") or p == "/api"


def endpoint_name(pattern: str, taken: Iterable[str] = ()) -> str:
    """A config name from a route: ``/loan/{id}`` -> ``loan_id``, ``/`` -> ``home``; unique among ``taken``."""
    path = pattern.split("?", 1)[0]
    words = [w for w in _NAME.split(path.lower().replace("{", "").replace("}", "")) if w]
    base = "_".join(words)[:60].strip("_") or "home"
    if "?" in pattern and base == "home":
        base = "home_query"
    seen = set(taken)
    name, n = base, 2
    while name in seen:
        name, n = f"{base}_{n}", n + 1
    return name


def _why_out(f: Found) -> str | None:
    if f.redirect:
        return "redirects"
    if f.status is None:
        return None  # decided by its route's fetched samples
    if 400 <= f.status < 500 or f.status < 200:
        return f"answers {f.status}"
    if f.status >= 500 and f.guessed and not f.links:
        return f"answers {f.status} and no page links to it"
    if 300 <= f.status < 400:
        return "redirects"
    return None


SLUG_SIBLINGS = 4  # this many pages differing only in their last segment under one parent are one route


def collapse_slugs(patterns: Iterable[str]) -> dict[str, str]:
    """Each pattern's route once slugs are folded: ``/2026/11/load-notes-17/`` and eight more posts of one
    shape are ``/{id}/{id}/{slug}/``, one route with samples, as ids already are. Top-level pages (``/about``,
    ``/contact``) stay apart: they are distinct pages, not instances of one."""
    families: dict[tuple[str, bool], list[str]] = {}
    for pattern in patterns:
        if "?" in pattern or pattern == "/":
            continue
        segs = pattern.rstrip("/").split("/")
        if len(segs) < 3 or segs[-1].startswith("{"):
            continue
        families.setdefault(("/".join(segs[:-1]), pattern.endswith("/")), []).append(pattern)
    folded: dict[str, str] = {}
    for (parent, trailing), members in families.items():
        if len(members) >= SLUG_SIBLINGS:
            for m in members:
                folded[m] = f"{parent}/{{slug}}{'/' if trailing else ''}"
    return folded


def group(found: Iterable[Found], *, max_samples: int = 3) -> Grouping:
    """The routes of a mix (heaviest first), the assets, and what was left out and why."""
    out = Grouping()
    by_route: dict[str, list[Found]] = {}
    for f in found:
        if is_asset(f.path, f.content_type):
            if f.path not in out.assets:
                out.assets.append(f.path)
            continue
        why = _why_out(f)
        if why:
            out.left_out.append((f.path, why))
            continue
        by_route.setdefault(route_of(f.path), []).append(f)
    for pattern, route in collapse_slugs(list(by_route)).items():
        by_route.setdefault(route, []).extend(by_route.pop(pattern))
    taken: list[str] = []
    routes = []
    for pattern, members in by_route.items():
        fetched = [m for m in members if m.status is not None]
        if not fetched:
            out.left_out.extend((m.path, "not fetched") for m in members)
            continue
        members = fetched + [m for m in members if m.status is None]
        kind: Kind = "api" if any(is_api(m.path, m.content_type) for m in fetched) else "page"
        routes.append(
            Route(
                pattern=pattern,
                name="",
                kind=kind,
                weight=max(1, sum(m.links for m in members)),
                samples=tuple(m.path for m in members[:max_samples]),
                statuses=tuple(m.status for m in fetched if m.status is not None),
            )
        )
    routes.sort(key=lambda r: (-r.weight, r.pattern))
    for r in routes:
        name = endpoint_name(r.pattern, taken)
        taken.append(name)
        out.routes.append(Route(r.pattern, name, r.kind, r.weight, r.samples, r.statuses))
    return out
