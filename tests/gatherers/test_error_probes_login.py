"""Error-page probes behind a login wall: without the session cookie every probe meets the login redirect
and error handling is "not measured", with the reason; with it the probes reach the app and find the
uncaught exception (a private HTTP server on 127.0.0.1, port 0)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from perfscore.audits import REGISTRY
from perfscore.config import Config
from perfscore.gatherers import GatherContext
from perfscore.gatherers.errors import ErrorPagesGatherer

pytestmark = pytest.mark.server

FATAL = b"<b>Fatal error</b>: Uncaught TypeError: loan id out of range in /var/www/mf/loan.php:12"


class LoggedInApp(BaseHTTPRequestHandler):
    """A PHP-like app: anonymous requests are sent to /login.php; a logged-in /loan/<id> throws on a huge id."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if "sid=ok" not in self.headers.get("Cookie", ""):
            self._answer(302, b"", {"Location": "/login.php"})
        elif self.path.startswith("/loan/") and self.path[6:].isdigit():
            self._answer(500, FATAL) if len(self.path) > 20 else self._answer(200, b"<h1>Loan</h1>")
        else:
            self._answer(404, b"<h1>Not found</h1>")

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def app() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), LoggedInApp)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


def _gatherer(url: str, headers: dict[str, str] | None = None) -> ErrorPagesGatherer:
    cfg = Config.model_validate({"target": {"base_url": url}, "endpoints": [{"name": "loan", "path": "/loan/5"}]})
    return ErrorPagesGatherer(GatherContext(config=cfg, base_dir=Path("."), window_s=1.0), headers=headers)


def test_probes_without_the_cookie_say_they_tested_the_login_wall_not_the_app(app: str) -> None:
    m = REGISTRY["http.error_pages_clean"].run(_gatherer(app).end())
    assert m.status == "unavailable", m
    assert m.reason == "2 of 2 probes were redirected to login: give the session cookie in the config"


def test_probes_with_the_cookie_reach_the_app_and_find_the_uncaught_exception(app: str) -> None:
    m = REGISTRY["http.error_pages_clean"].run(_gatherer(app, {"Cookie": "sid=ok"}).end())
    assert m.status == "measured" and m.value is False, m
    assert "loan: an id out of range leaks internals" in (m.summary or ""), m.summary
    assert m.low_confidence is None
