"""The single-user gatherer against a small site of our own (127.0.0.1, port 0): which pages are the same
for every visitor, a page cache's hit, a static file timed beside them, and every text answer of the mix
checked for compression and weight through the audits."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from perfscore.artifacts.assets import AssetsSnapshot
from perfscore.artifacts.http import HttpAnswer
from perfscore.artifacts.unloaded import UnloadedSnapshot
from perfscore.audits.base import REGISTRY
from perfscore.config import Config
from perfscore.gatherers.base import GatherContext
from perfscore.gatherers.unloaded import UnloadedGatherer

pytestmark = pytest.mark.server

HOME = b'<!doctype html><html><head><link rel="stylesheet" href="/static/app.css"></head><body>home</body></html>'
MEMBERS = json.dumps([{"id": i, "name": f"member {i}", "email": f"m{i}@example.org"} for i in range(1000)]).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: dict[str, int] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, ctype: str = "text/html", **headers: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        n = Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/":
            self._send(HOME)
        elif self.path == "/login":
            self._send(b"<p>login</p>", Set_Cookie=f"PHPSESSID=s{n}; path=/")
        elif self.path == "/vary":
            self._send(b"<p>per visitor</p>", Vary="Accept-Encoding, Cookie")
        elif self.path == "/clock":
            self._send(f"<p>generated at request {n}</p>".encode())
        elif self.path == "/cached":
            self._send(b"<p>cached</p>", X_Cache="MISS" if n == 1 else "HIT", Age="0" if n == 1 else "3")
        elif self.path == "/api/members":
            self._send(MEMBERS, "application/json")
        elif self.path == "/api/small":
            self._send(gzip.compress(MEMBERS[:5000]), "application/json", Content_Encoding="gzip")
        elif self.path == "/static/app.css":
            self._send(b"body{margin:0}", "text/css")
        else:
            self.send_error(404)


@pytest.fixture
def site() -> Iterator[str]:
    Handler.hits = {}
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _gather(base: str, endpoints: list[dict[str, object]], **target: object) -> UnloadedSnapshot:
    cfg = Config.model_validate({"target": {"base_url": base, **target}, "endpoints": endpoints})
    g = UnloadedGatherer(GatherContext(config=cfg, base_dir=Path("."), window_s=1))
    g.begin()
    return g.end()


PAGES = [
    {"name": n, "path": p} for n, p in (("home", "/"), ("login", "/login"), ("vary", "/vary"), ("clock", "/clock"))
]


def test_cacheable_pages_told_from_cookies_vary_and_changing_bodies(site: str) -> None:
    snap = _gather(site, PAGES)
    rows = {r["endpoint"]: r for r in REGISTRY["http.page_cache"].run(snap, None).evidence["endpoints"]}
    assert rows["home"]["not_cacheable"] is None
    assert "sets cookies (PHPSESSID)" in rows["login"]["not_cacheable"]
    assert rows["vary"]["not_cacheable"] == "Vary: Cookie: an answer per visitor"
    assert "body changed" in rows["clock"]["not_cacheable"] and "request 1" in rows["clock"]["not_cacheable"]
    m = REGISTRY["http.page_cache"].run(snap, None)
    assert m.status == "measured" and m.evidence["cacheable"] == ["home (/)"], m
    assert snap.static is not None and snap.static.path == "/static/app.css"  # the asset the page links
    assert m.evidence["static_path"] == "/static/app.css" and m.value >= 0
    assert "home (/) takes" in (m.summary or "") and "a static file (/static/app.css)" in (m.summary or "")
    assert Handler.hits["/"] == 5 and Handler.hits["/static/app.css"] == 5  # bounded: REPEATS each, nothing more


def test_a_cache_hit_on_the_repeat_is_a_page_cache_answering(site: str) -> None:
    snap = _gather(site, [{"name": "cached", "path": "/cached"}, {"name": "login", "path": "/login"}])
    m = REGISTRY["http.page_cache"].run(snap, None)
    assert m.status == "not_applicable" and "a page cache answers: cached (x-cache: HIT)" in (m.reason or ""), m


def test_credentials_make_a_page_not_anonymous(site: str) -> None:
    snap = _gather(site, [{"name": "home", "path": "/"}], cookies={"sid": "secret-0123456789"})
    assert snap.endpoints[0].credentials
    m = REGISTRY["http.page_cache"].run(snap, None)
    assert m.status == "not_applicable" and "requested with credentials" in (m.reason or ""), m


def test_every_text_answer_of_the_mix_is_checked_and_the_heaviest_named(site: str) -> None:
    eps = [
        {"name": "home", "path": "/"},
        {"name": "members", "path": "/api/members"},
        {"name": "small", "path": "/api/small"},
    ]
    snap = _gather(site, eps)
    page = HttpAnswer(url=site + "/", status=200, headers={"content-type": "text/html"}, body_bytes=len(HOME))
    assets = AssetsSnapshot(page_url=site + "/", page=page)
    comp = REGISTRY["http.text_compression"].run(assets, snap)
    assert [u["name"] for u in comp.evidence["uncompressed"]] == ["members (/api/members)"], comp.evidence
    assert "members (/api/members)" in (comp.summary or "") and comp.evidence["routes_checked"] == 2
    weight = REGISTRY["http.page_weight"].run(assets, snap)
    assert weight.evidence["heaviest"] == "members (/api/members)"
    assert weight.value == pytest.approx(len(MEMBERS) / 1024, abs=0.01)
    # one series per GET route: nothing requested beyond the repeats
    assert Handler.hits["/api/members"] == 5 and Handler.hits["/api/small"] == 5
