"""Endpoint discovery: an app's routes found the way a visitor finds them.

robots.txt and its sitemaps (and sitemap indexes), then the home page and the same-origin pages it links
to, to depth 2: ``<a href>``, ``<link rel=alternate>`` JSON, and the JSON/API URLs the pages' scripts name
(``fetch('/api/…')``, ``'/…/x.json'``). Forms are recorded (method, action, fields), never submitted.

Bounded as a polite visitor is: GET only, the base URL's origin only (never a redirect to another host),
robots.txt's Disallow honoured, at most ``max_requests`` requests in ``max_seconds``, at most ``rate``
requests a second, one request at a time. A hostile site (endless links, huge or binary answers,
dripping bodies, redirect loops, malformed HTML, links with control characters) costs its budget and no
more. The results are the raw facts (``Found``, ``Form``); ``perfscore.routes.group`` makes routes of them.
"""

from __future__ import annotations

import bisect
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.http import Response, fetch
from perfscore.routes import Form, Found, Grouping, is_asset, route_of

MAX_REQUESTS = 50
MAX_SECONDS = 10.0
RATE = 10.0  # requests a second, at most
MAX_DEPTH = 2
PARSE_LIMIT = 512 * 1024  # of a page's body, the part parsed for links
MAX_LINKS = 2000  # per page
MAX_URLS = 5000  # distinct URLs remembered in all
MAX_SITEMAPS = 3
MAX_SAMPLES = 2  # pages fetched per route: /item/1 and /item/2 say what /item/3 … /item/10000 would
MAX_FORMS = 50
MAX_FAILURES = 3  # requests in a row without an answer (timeouts, resets) end the crawl

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "blob:", "about:", "ftp:", "file:")
_FIELD = re.compile(r"[^\w\-\[\].]")  # a field name as shown in a YAML comment: nothing that ends the line
_LOC = re.compile(rb"<loc>\s*([^<\s]{1,2000})\s*</loc>", re.IGNORECASE)
# URLs a script names: fetch('/x'), axios.get("/api/x"), '/data/x.json', "/api/…"
_SCRIPT_URL = re.compile(
    r"""(?:fetch|get|getJSON|ajax|open)\s*\(\s*(?:["'][A-Z]+["']\s*,\s*)?["'`]([^"'`\s<>]{1,500})["'`]"""
    r"""|["'`](/api/[^"'`\s<>]{0,500}|/[^"'`\s<>]{0,500}\.json(?:\?[^"'`\s<>]{0,200})?)["'`]"""
)


@dataclass
class Crawl:
    """What the crawl saw. ``requests`` counts every request sent (robots, sitemaps, pages, redirects)."""

    base_url: str
    found: list[Found] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)  # same-origin asset paths the pages reference
    requests: int = 0
    pages: int = 0  # HTML pages fetched and read
    elapsed_s: float = 0.0
    disallowed: list[str] = field(default_factory=list)  # robots.txt Disallow rules honoured
    notes: list[str] = field(default_factory=list)
    reachable: bool = False  # something answered at all


class _Links(HTMLParser):
    """Links, asset references, forms and script text of one page; bounded and tolerant of any input."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.forms: list[tuple[str, str, list[str]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self._form: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.links) + len(self.assets) > MAX_LINKS:
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower()
            if "alternate" in rel and "json" in a.get("type", "").lower():
                self.links.append(a["href"])
            elif rel in ("stylesheet", "icon", "preload", "shortcut icon", "apple-touch-icon", "modulepreload"):
                self.assets.append(a["href"])
        elif tag in ("script", "img", "source", "audio", "video") and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "form" and len(self.forms) < MAX_FORMS:
            self._form = ((a.get("method") or "GET").upper()[:10], a.get("action", ""), [])
            self.forms.append(self._form)
        elif (
            tag in ("input", "select", "textarea", "button")
            and self._form
            and a.get("name")
            and len(self._form[2]) < 50
        ):
            self._form[2].append(_FIELD.sub("", a["name"])[:80])
        if tag == "script":
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._in_script and sum(len(s) for s in self.scripts) < PARSE_LIMIT:
            self.scripts.append(data)


def _parse(html: str) -> _Links:
    p = _Links()
    try:
        p.feed(html[:PARSE_LIMIT])
        p.close()
    except Exception:  # noqa: BLE001 - malformed HTML: keep what was read before it
        pass
    return p


def robots_rules(text: str) -> tuple[list[str], list[str]]:
    """(Disallow prefixes for us or any agent, Sitemap URLs) of a robots.txt."""
    disallow: list[str] = []
    sitemaps: list[str] = []
    applies = False
    in_agents = False
    for raw in text.splitlines()[:2000]:
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            agent = value.lower()
            mine = agent == "*" or "perfscore" in agent
            applies = (applies or mine) if in_agents else mine
            in_agents = True
            continue
        in_agents = False
        if key == "sitemap" and value:
            sitemaps.append(value)
        elif key == "disallow" and applies and value and len(disallow) < 200:
            disallow.append(value)
    return disallow, sitemaps


def disallowed(path: str, rules: list[str]) -> bool:
    for rule in rules:
        pattern = re.escape(rule).replace(r"\*", ".*")
        if pattern.endswith(r"\$"):
            pattern = pattern[:-2] + "$"
        if re.match(pattern, path):
            return True
    return False


class _Crawler:
    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        user_agent: str,
        max_requests: int,
        max_seconds: float,
        rate: float,
    ) -> None:
        parts = urlsplit(base_url)
        self.scheme, self.netloc = parts.scheme.lower(), parts.netloc.lower()
        self.origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self.prefix = parts.path.rstrip("/")  # paths are relative to the base URL's, as endpoints' are
        self.base = self.origin + self.prefix
        self.headers = headers
        self.user_agent = user_agent
        self.max_requests = max_requests
        self.rate = rate
        self.t0 = time.monotonic()
        self.deadline = self.t0 + max_seconds
        self.last = 0.0
        self.out = Crawl(base_url=base_url)
        self.links: Counter[str] = Counter()
        self.status: dict[str, tuple[int, str, bool]] = {}  # path -> (status, content type, redirect)
        self.guessed: set[str] = set()
        self.linked: set[str] = set()
        self.seen: set[str] = set()
        self.samples: Counter[str] = Counter()  # fetched per route
        self.rules: list[str] = []
        self.frontier: dict[str, list[tuple[int, bool, str]]] = {}  # route -> (depth, guessed, path), sorted
        self.failures = 0  # requests in a row that got no answer
        self.stopped = False

    # -- one request -----------------------------------------------------------------------------
    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def _budget(self) -> bool:
        return not self.stopped and self.out.requests < self.max_requests and self._left() > 0.05

    def _get(self, path: str, *, absolute: bool = False) -> Response | None:
        """GET ``path`` under the base URL (of the origin if ``absolute``), paced; None when the budget is
        spent or nothing answered."""
        if not self._budget():
            return None
        wait = self.last + 1.0 / self.rate - time.monotonic()
        if wait > 0:
            if wait >= self._left():
                return None
            time.sleep(wait)
        self.last = time.monotonic()
        self.out.requests += 1
        try:
            r = fetch(
                (self.origin if absolute else self.base) + path,
                headers=self.headers,
                user_agent=self.user_agent,
                timeout=max(0.1, min(3.0, self._left())),
            )
        except ProbeUnavailable as exc:
            if len(self.out.notes) < 10:
                self.out.notes.append(str(exc))
            self.failures += 1
            if not self.out.reachable or self.failures >= MAX_FAILURES:
                self.stopped = True  # nothing listens, or the site stopped answering: no more knocking
            return None
        self.failures = 0
        self.out.reachable = True
        return r

    # -- URLs ------------------------------------------------------------------------------------
    def local(self, ref: str, page: str = "/") -> str | None:
        """``ref`` as a path of this origin (fragment dropped), or None: another host, a non-HTTP scheme,
        control characters, spaces, a URL that does not parse."""
        ref = ref.strip()
        if not ref or len(ref) > 2000 or ref.lower().startswith(_SKIP_SCHEMES) or ref.startswith("#"):
            return None
        if any(ord(c) < 32 or ord(c) == 127 or c.isspace() for c in ref):
            return None
        try:
            url = urljoin(self.base + page, ref)  # page: a path under the base URL
            parts = urlsplit(url)
            if parts.scheme.lower() != self.scheme or parts.netloc.lower() != self.netloc:
                return None
        except ValueError:
            return None
        path = parts.path or "/"
        if not path.startswith("/") or any(c.isspace() or not c.isprintable() for c in path + parts.query):
            return None
        if self.prefix:
            if path != self.prefix and not path.startswith(self.prefix + "/"):
                return None  # outside the app the base URL names
            path = path[len(self.prefix) :] or "/"
        return path + (f"?{parts.query}" if parts.query else "")

    def _push(self, depth: int, path: str) -> None:
        bisect.insort(self.frontier.setdefault(route_of(path), []), (depth, path not in self.linked, path))

    def _remember(self, path: str) -> bool:
        if path in self.seen:
            return False
        if len(self.seen) >= MAX_URLS:
            return False
        self.seen.add(path)
        return True

    # -- the crawl -------------------------------------------------------------------------------
    def robots(self) -> list[str]:
        r = self._get("/robots.txt", absolute=True)
        if r is None or r.status != 200 or "html" in r.headers.get("content-type", ""):
            return []
        self.rules, sitemaps = robots_rules(r.body[:PARSE_LIMIT].decode("utf-8", errors="replace"))
        self.out.disallowed = list(self.rules)
        return [p for s in sitemaps if (p := self.local(s)) is not None]

    def sitemaps(self, listed: list[str]) -> list[str]:
        queue = list(dict.fromkeys([*listed, "/sitemap.xml"]))
        pages: list[str] = []
        fetched = 0
        while queue and fetched < MAX_SITEMAPS:
            path = queue.pop(0)
            if disallowed(self.prefix + path, self.rules):
                continue
            fetched += 1
            r = self._get(path)
            if r is None or r.status != 200:
                continue
            body = r.body[:PARSE_LIMIT]
            index = b"<sitemapindex" in body[:4096].lower()
            for m in _LOC.finditer(body):
                p = self.local(m.group(1).decode("utf-8", errors="replace").replace("&amp;", "&"))
                if p is None:
                    continue
                if index or p.endswith(".xml"):
                    if p not in queue and len(queue) < 20:
                        queue.append(p)
                elif len(pages) < 1000:
                    pages.append(p)
        return pages

    def crawl(self) -> Crawl:
        listed = self.sitemaps(self.robots())
        self._push(0, "/")
        self._remember("/")
        self.linked.add("/")
        for p in listed:
            if self._remember(p):
                self.guessed.add(p)
                self._push(1, p)
        while self.frontier and self._budget():
            # the shallowest URL of the route least sampled yet; a page linked before one only guessed
            route, bucket = min(self.frontier.items(), key=lambda kv: (kv[1][0][0], self.samples[kv[0]], kv[1][0][1]))
            depth, _, path = bucket.pop(0)
            if not bucket or self.samples[route] >= MAX_SAMPLES:
                del self.frontier[route]
            if self.samples[route] >= MAX_SAMPLES or disallowed(self.prefix + path, self.rules):
                continue
            r = self._get(path)
            if r is None:
                continue
            self.samples[route] += 1
            ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
            redirect = 300 <= r.status < 400
            self.status[path] = (r.status, ctype, redirect)
            if redirect:
                target = self.local(r.headers.get("location", ""), path)
                if target is not None and self._remember(target):
                    self.linked.add(target)
                    self._push(depth, target)
                continue
            if "html" in ctype and depth < MAX_DEPTH:
                self.out.pages += 1
                for d, p in self._read(path, r, depth):
                    self._push(d, p)
        self.out.elapsed_s = round(time.monotonic() - self.t0, 3)
        self.out.found = [
            Found(
                path=p,
                links=self.links[p],
                status=self.status[p][0] if p in self.status else None,
                content_type=self.status[p][1] if p in self.status else "",
                guessed=p in self.guessed and p not in self.linked,
                redirect=self.status[p][2] if p in self.status else False,
            )
            for p in sorted(self.seen, key=lambda p: (p not in self.status, p))
        ]
        return self.out

    def _read(self, page: str, r: Response, depth: int) -> list[tuple[int, str]]:
        """The new URLs a page links to (at ``depth + 1``), its forms and assets recorded."""
        parsed = _parse(r.body[:PARSE_LIMIT].decode("utf-8", errors="replace"))
        refs = list(parsed.links)
        for text in parsed.scripts:
            refs += [m.group(1) or m.group(2) for m in _SCRIPT_URL.finditer(text)]
        new: list[tuple[int, str]] = []
        for ref in refs[:MAX_LINKS]:
            p = self.local(ref, page)
            if p is None:
                continue
            if is_asset(p):
                if p not in self.out.assets and len(self.out.assets) < 200:
                    self.out.assets.append(p)
                continue
            self.links[p] += 1
            self.linked.add(p)
            if self._remember(p):
                new.append((depth + 1, p))
        for ref in parsed.assets[:MAX_LINKS]:
            p = self.local(ref, page)
            if p is not None and p not in self.out.assets and len(self.out.assets) < 200:
                self.out.assets.append(p)
        for method, action, fields in parsed.forms:
            if len(self.out.forms) >= MAX_FORMS:
                break
            target = self.local(action, page) if action else page
            if target is None:
                continue
            form = Form(method=method if method in ("GET", "POST") else "POST", action=target, fields=tuple(fields))
            if not any(f.method == form.method and f.action == form.action for f in self.out.forms):
                self.out.forms.append(Form(form.method, form.action, form.fields, page))
        return new


def crawl(
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    user_agent: str = "perfscore",
    max_requests: int = MAX_REQUESTS,
    max_seconds: float = MAX_SECONDS,
    rate: float = RATE,
) -> Crawl:
    """Crawl ``base_url``'s origin as described above; never raises for anything the site does."""
    return _Crawler(base_url, dict(headers or {}), user_agent, max_requests, max_seconds, rate).crawl()


def summary(seen: Crawl, grouping: Grouping) -> str:
    """One line of what a crawl found, for stderr."""
    if not seen.reachable:
        why = f": {seen.notes[0]}" if seen.notes else ""
        return f"crawl: nothing answered at {seen.base_url}{why}; no endpoint discovered"
    if not grouping.routes:
        return (
            f"crawl: {seen.requests} requests found no page to load ({len(grouping.left_out)} URLs left out: "
            f"{_left_out(grouping)}); no endpoint discovered"
        )
    failing = sum(1 for r in grouping.routes if r.failing)
    api = sum(1 for r in grouping.routes if r.kind == "api")
    routes = _n(len(grouping.routes), "route") + (f" ({api} JSON)" if api else "")
    parts = [
        _n(seen.pages, "page"),
        routes + (f", {failing} failing" if failing else ""),
        _n(len(seen.forms), "form") + " (not in the mix)",
        _n(len(seen.assets), "asset"),
    ]
    out = f"crawl: {seen.requests} requests in {seen.elapsed_s:.1f}s found " + ", ".join(parts)
    if grouping.left_out:
        out += f"; left out {len(grouping.left_out)} URLs ({_left_out(grouping)})"
    return out


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _left_out(grouping: Grouping) -> str:
    return ", ".join(f"{n} {why}" for why, n in Counter(why for _, why in grouping.left_out).most_common(3))
