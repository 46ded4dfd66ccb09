"""The Prometheus credentials never reach output or a saved run, and never follow a redirect (issue 15)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.conftest import perfscore

pytestmark = pytest.mark.server
PASSWORD = "pr0m-s3cret-Zq9"


class Echo(BaseHTTPRequestHandler):
    """A Prometheus that answers the credentials check, then echoes the Authorization header in its errors
    (or redirects the queries elsewhere)."""

    redirect_to: str | None = None
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        auth = self.headers.get("Authorization", "")
        Echo.seen.append(f"{self.server.server_address[1]} {self.path.split('?')[0]} {auth}")
        if self.path.startswith("/api/v1/query?query=1"):
            body = json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [0, "1"]}})
            self._send(200, body)
        elif self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to + self.path)
            self.end_headers()
        else:
            decoded = base64.b64decode(auth.split(" ", 1)[1]).decode() if " " in auth else ""
            self._send(422, json.dumps({"status": "error", "error": f"bad query from {auth} ({decoded})"}))

    def _send(self, code: int, body: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[int, int]]:
    made = [ThreadingHTTPServer(("127.0.0.1", 0), Echo) for _ in range(2)]
    for s in made:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    Echo.seen = []
    yield made[0].server_address[1], made[1].server_address[1]
    for s in made:
        s.shutdown()
    Echo.redirect_to = None


def config(tmp: Path, port: int) -> Path:
    (tmp / "prom.pw").write_text(PASSWORD + "\n")
    cfg = {
        "prometheus": {"url": f"http://127.0.0.1:{port}", "username": "perfscore", "password_file": "prom.pw"},
        "hosts": {"db": {"role": "database", "instance": "10.0.0.1:9100"}},
        "audit": {"duration_s": 1},
    }
    path = tmp / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_an_echoed_password_is_redacted_everywhere(tmp_path: Path, servers: tuple[int, int]) -> None:
    token = base64.b64encode(f"perfscore:{PASSWORD}".encode()).decode()
    run = tmp_path / "run.json"
    res = perfscore(
        "audit", "--config", str(config(tmp_path, servers[0])), "-f", "json", "--save-run", str(run),
        "--no-history", "-o", "-", "-o", str(tmp_path / "r.html"),
    )  # fmt: skip
    assert res.code in (0, 1, 3), res.err
    assert any("bad query from" in line or token in line for line in Echo.seen) or Echo.seen
    for text in (res.out, res.err, run.read_text(), (tmp_path / "r.html").read_text()):
        assert PASSWORD not in text and token not in text
    assert "Prometheus answered 422" in run.read_text() and "***" in run.read_text()  # kept, redacted


def test_credentials_do_not_follow_a_redirect(tmp_path: Path, servers: tuple[int, int]) -> None:
    first, other = servers
    Echo.redirect_to = f"http://127.0.0.1:{other}"
    res = perfscore("audit", "--config", str(config(tmp_path, first)), "-f", "json", "--no-history")
    assert res.code in (0, 1, 3), res.err
    assert not [line for line in Echo.seen if line.startswith(f"{other} ")], Echo.seen  # never sent there
    assert "Prometheus answered 302" in res.out
