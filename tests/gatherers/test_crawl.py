"""Endpoint discovery against small sites of our own (127.0.0.1, port 0): what the crawl finds, what it
never does (POST, another host, a Disallowed path), its bounds against an endless site, and the session
cookie on every request an audit sends."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from perfscore.gatherers.crawl import MAX_REQUESTS, MAX_SECONDS, crawl
from perfscore.routes import group
from tests.conftest import perfscore

pytestmark = pytest.mark.server

COOKIE = "sid=letmein-0123456789"


@dataclass
class Site:
    base: str
    gated: bool
    # (method, path, Cookie header): the User-Agent in its place when none came, to name the sender
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def paths(self, method: str = "GET") -> list[str]:
        return [p for m, p, _ in self.seen if m == method]


HOME = """<!doctype html><html><head><title>shop</title>
<link rel="stylesheet" href="/static/app.css"><link rel="icon" href="/favicon.ico">
<link rel="alternate" type="application/json" href="/feed.json">
<script src="/static/app.js"></script>
<script>fetch('/api/stats').then(r => r.json()); const u = "/api/items/7";</script>
</head><body><img src="/img/logo.png">
<a href="/items?page=1">items</a> <a href="/items?page=2">more</a> <a href="/about">about</a>
<a href="/report">report</a> <a href="/admin/secret">admin</a> <a href="http://example.com/away">away</a>
<a href="javascript:alert(1)">js</a> <a href="mailto:x@example.com">mail</a> <a href="/bad
line">nl</a> <a href="/ctl\x01x">ctl</a> <a href="//[::1/x">broken</a> <a href="#top">top</a>
<form method="post" action="/contact"><input name="name"><input name="email"><button>send</button></form>
<form action="/search"><input name="q"></form>
<div><p>unclosed <b><i>markup
"""


def _page(body: str) -> bytes:
    return f"<!doctype html><html><body>{body}</body></html>".encode()


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            site.seen.append(("POST", self.path, self.headers.get("Cookie", "")))
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._send(201, b"created")

        def do_GET(self) -> None:  # noqa: N802
            site.seen.append(("GET", self.path, self.headers.get("Cookie") or self.headers.get("User-Agent", "")))
            path, _, query = self.path.partition("?")
            if path == "/robots.txt":
                return self._send(
                    200, f"User-agent: *\nDisallow: /admin\nSitemap: {site.base}/sitemap.xml\n".encode(), "text/plain"
                )
            if path == "/sitemap.xml":
                locs = "".join(f"<url><loc>{site.base}{p}</loc></url>" for p in ("/", "/about", "/old-page", "/item/3"))
                xml = (
                    f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
                )
                return self._send(200, xml.encode(), "application/xml")
            if path.startswith("/static/") or path.startswith("/img/") or path == "/favicon.ico":
                return self._send(200, b"/* asset */", "text/css" if path.endswith(".css") else "image/png")
            if path == "/login":
                return self._send(200, _page("<form method=post action=/login><input name=user></form>"))
            if site.gated and COOKIE not in self.headers.get("Cookie", ""):
                return self._send(302, b"", Location="/login")
            if path == "/":
                return self._send(200, HOME.encode())
            if path == "/items":
                n = int(query.split("=")[-1] or 1) if query.startswith("page=") else 1
                links = "".join(f'<a href="/item/{i}">item {i}</a>' for i in range(n * 10, n * 10 + 10))
                return self._send(200, _page(links + f'<a href="/items?page={n + 1}">next</a>'))
            if path.startswith("/item/") and path[6:].isdigit():
                return self._send(200, _page(f'item <a href="/items?page=1">back</a> {path}'))
            if path == "/about":
                return self._send(200, _page('<a href="/team">team</a><a href="/">home</a>'))
            if path == "/team":
                return self._send(200, _page("team"))
            if path == "/report":
                return self._send(500, b"<b>Fatal error</b>: Uncaught Error in /srv/app/report.php:3")
            if path in ("/api/stats", "/api/items/7", "/feed.json"):
                return self._send(200, json.dumps({"ok": True}).encode(), "application/json")
            if path == "/admin/secret":
                return self._send(200, _page("admin"))
            return self._send(404, b"not found")

    return Handler


@contextlib.contextmanager
def serve(handler_of, **kw: bool) -> Iterator[Site]:  # noqa: ANN001
    srv = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    srv.daemon_threads = True
    site = Site(base=f"http://127.0.0.1:{srv.server_address[1]}", **kw)
    srv.RequestHandlerClass = handler_of(site)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield site
    finally:
        srv.shutdown()
        srv.server_close()


def test_the_crawl_finds_the_routes_a_visitor_would() -> None:
    with serve(_handler, gated=True) as site:
        seen = crawl(site.base, headers={"Cookie": COOKIE})
    g = group(seen.found)
    routes = {r.pattern: r for r in g.routes}
    assert "/item/{id}" in routes and "/items?page={page}" in routes and "/about" in routes
    assert routes["/item/{id}"].weight >= 10  # the pagination pages link many items: one route, heavy
    assert routes["/report"].failing  # a failing page the app links stays: a finding
    assert routes["/api/stats"].kind == "api" and routes["/api/items/{id}"].kind == "api"
    assert routes["/feed.json"].kind == "api"
    assert "/team" in routes  # depth 2
    assert not any("old-page" in r.pattern for r in g.routes)  # the sitemap's 404
    assert ("/old-page", "answers 404") in g.left_out
    assert not any(p.startswith("/admin") for p in site.paths())  # robots.txt Disallow
    assert site.paths("POST") == []  # never a form submitted
    assert not any("contact" in r.pattern or "search" in r.pattern for r in g.routes)
    assert {(f.method, f.action, f.fields) for f in seen.forms} >= {
        ("POST", "/contact", ("name", "email")),
        ("GET", "/search", ("q",)),
    }
    assert {"/static/app.css", "/static/app.js", "/img/logo.png", "/favicon.ico"} <= set(seen.assets)
    assert not any(p.startswith(("/static/", "/img/")) for p in site.paths())  # assets listed, not fetched
    assert all(cookie == COOKIE for _, _, cookie in site.seen)
    assert seen.requests == len(site.seen) <= MAX_REQUESTS


def test_init_writes_the_discovered_routes_and_never_the_post(tmp_path: Path) -> None:
    out = tmp_path / "perfscore.yaml"
    with serve(_handler, gated=False) as site:
        res = perfscore("init", str(out), "--url", site.base)
    assert res.code == 0, res.err
    assert "crawl:" in res.err and "routes" in res.err and "2 forms (not in the mix)" in res.err
    text = out.read_text()
    live = [line for line in text.splitlines() if line.startswith("  - {name:")]
    paths = [line.split("path: ")[1].split(",")[0].strip('"') for line in live]
    assert sum(p.startswith("/item/") for p in paths) == 1  # /item/1..N: one route, one sample
    assert "/report" in paths and "/api/stats" in paths
    assert not any(p in ("/old-page", "/contact", "/admin/secret", "/api/applications") for p in paths)
    post = [line for line in text.splitlines() if "/contact" in line]
    assert post and all(line.startswith("#") and "writes data" in line for line in post)
    assert site.paths("POST") == []
    from perfscore.config import load_config  # the file written is a config the audit reads

    cfg = load_config(out)
    assert all(e.method == "GET" for e in cfg.endpoints) and len(cfg.endpoints) == len(live) <= 20


def test_init_against_nothing_writes_no_guessed_endpoint(tmp_path: Path) -> None:
    from tests.load.fixtures import free_port

    out = tmp_path / "perfscore.yaml"
    res = perfscore("init", str(out), "--url", f"http://127.0.0.1:{free_port()}")
    assert res.code == 0, res.err
    assert "crawl: nothing answered" in res.err
    text = out.read_text()
    assert not any(line.startswith("endpoints:") for line in text.splitlines())
    assert "/api/loans" not in text and "/api/applications" not in text


def _endless(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            site.seen.append(("GET", self.path, self.headers.get("Cookie", "")))
            if self.path == "/drip":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                with contextlib.suppress(OSError):
                    for _ in range(200):
                        self.wfile.write(b"<")
                        self.wfile.flush()
                        time.sleep(0.2)
                return
            if self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop2")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/loop2":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            # every page links 10,000 unique pages of 10,000 distinct routes, a drip and a loop
            links = '<a href="/drip">d</a><a href="/loop">l</a>' + "".join(
                f'<a href="/w{i}x{self.path.strip("/")[:20]}">x</a>' for i in range(10_000)
            )
            body = f"<html><body>{links}</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def test_bounds_hold_against_an_endless_site() -> None:
    with serve(_endless, gated=False) as site:
        t0 = time.monotonic()
        seen = crawl(site.base)
        spent = time.monotonic() - t0
    assert seen.requests <= MAX_REQUESTS and len(site.seen) <= MAX_REQUESTS
    assert spent < MAX_SECONDS + 3.5  # the budget, plus at most one request's own timeout
    assert seen.requests / max(spent, 0.1) <= 11  # a polite rate
    routes = group(seen.found).routes
    assert len(routes) <= MAX_REQUESTS
    assert site.paths().count("/loop") <= 1 and site.paths().count("/loop2") <= 1


def _cookie_audit_config(tmp_path: Path, base: str) -> Path:
    cfg = tmp_path / "perfscore.yaml"
    cfg.write_text(
        f"""\
target:
  name: gated shop
  base_url: {base}
  cookies: {{sid: letmein-0123456789}}
  headers: {{X-Probe: perfscore-test}}
endpoints:
  - {{name: home, path: /}}
  - {{name: item, path: /item/10, weight: 3}}
  - {{name: report, path: /report}}
processes: null
monitoring:
  health: /health
  metrics: null
  fpm_status: null
  nginx_status: null
audit:
  duration_s: 1
  probe_timeout_s: 5
  load:
    connections: 2
    ramp: [1, 2]
    step_s: 0.5
    scalability: false
"""
    )
    return cfg


def test_the_session_cookie_goes_with_every_probe_of_an_audit(tmp_path: Path) -> None:
    with serve(_handler, gated=True) as site:
        cfg = _cookie_audit_config(tmp_path, site.base)
        run = tmp_path / "run.json"
        res = perfscore(
            "audit", "--config", str(cfg), "-f", "json", "-o", str(tmp_path / "r.json"), "--save-run", str(run),
            "--no-history",
        )  # fmt: skip
    assert res.code in (0, 1), res.err
    assert len(site.seen) > 50  # the window, the ramp and the probes
    without = sorted({(m, p, c) for m, p, c in site.seen if c != COOKIE})
    assert without == [], without[:10]
    paths = site.paths()
    assert any(p.startswith("/perfscore-probe-") for p in paths)  # error-page probes
    assert any(p.startswith("/perfscore-") and p.endswith(".env") for p in paths)  # exposure probes
    assert "/static/app.css" in paths  # asset fetches
    assert "/health" in paths  # monitoring
    assert "/login" not in paths  # no probe bounced to the login page
    saved = run.read_text() + res.err + (tmp_path / "r.json").read_text()
    assert "letmein-0123456789" not in saved  # the cookie's value is a secret


def test_audit_with_no_config_loads_the_discovered_mix(tmp_path: Path) -> None:
    from perfscore.config import Config, with_overrides
    from perfscore.session.plan import discovered_mix

    said: list[str] = []
    with serve(_handler, gated=False) as site:
        cfg = with_overrides(Config(), url=site.base)
        mixed = discovered_mix(cfg, said.append)
    paths = [e.path for e in mixed.endpoints]
    assert "/" in paths and "/report" in paths and any(p.startswith("/item/") for p in paths)
    assert all(e.method == "GET" for e in mixed.endpoints)
    assert "/contact" not in paths and "/old-page" not in paths
    assert any(line.startswith("crawl:") for line in said) and any(line.startswith("mix:") for line in said)
