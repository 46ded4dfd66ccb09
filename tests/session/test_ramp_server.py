"""The audit's ramp against a slow but healthy local server: the requests in flight at each step's end are
cut off by the generator, counted apart, never the app's errors; and every request the server saw is in
one of the step's counts (warm-up, measured, cut off)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from perfscore.artifacts.ramp import RampSnapshot, RampStep
from perfscore.audits.scalability import max_throughput, meets_slo
from perfscore.config import Config
from perfscore.load.engine import run_load
from perfscore.session.ramp import _steps

pytestmark = pytest.mark.server


class Counted(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # every user connects at once (a backlog of 5 delays some connects by a SYN retry)

    def __init__(self, answer: Callable[[], None]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.answer = answer
        self.seen = 0
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a cut-off client's closed connection: expected here


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Counted

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        with self.server.lock:
            self.server.seen += 1
        self.server.answer()
        body = b"<html><body>ok</body></html>"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the generator closed the connection at the step's end
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[], None]], Counted]]:
    servers: list[Counted] = []

    def start(answer: Callable[[], None]) -> Counted:
        srv = Counted(answer)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def ramp(srv: Counted, levels: list[int], said: list[str] | None = None) -> tuple[RampSnapshot, list[RampStep]]:
    port = srv.server_address[1]
    cfg = Config.model_validate(
        {
            "target": {"base_url": f"http://127.0.0.1:{port}"},
            "endpoints": [{"path": "/", "expect_status": [200]}],  # no redirect check: the server counts the steps'
            "audit": {"load": {"ramp": levels, "step_s": 1.0, "slo_p95_ms": 3000, "slo_error_rate": 0.01}},
        }
    )
    snap = RampSnapshot(slo_p95_ms=3000, slo_error_rate=0.01)
    steps = _steps(cfg, snap, None, run_load, metered=False, say=None if said is None else said.append)
    return snap.model_copy(update={"steps": steps}), steps


def all_counted(srv: Counted, steps: list[RampStep]) -> None:
    """Every request the server saw is a warm-up answer, a measured request or one cut off; a request sent
    just before a step's end reaches the server a moment later: wait for it, with a deadline."""
    sent = sum(st.sent or 0 for st in steps)
    deadline = time.monotonic() + 5
    while srv.seen < sent and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.seen == sent, (srv.seen, [st.model_dump() for st in steps])


def test_requests_in_flight_at_each_steps_end_are_cut_off_not_errors(serve) -> None:  # type: ignore[no-untyped-def]
    srv = serve(lambda: time.sleep(0.4))  # every answer takes 0.4 s: each step's end finds every user waiting
    said: list[str] = []
    snap, steps = ramp(srv, [2, 4], said)
    assert [st.concurrency for st in steps] == [2, 4]
    assert [f"{st.abandoned:,} cut off at the step's end" in line for st, line in zip(steps, said, strict=True)] == [
        True,
        True,
    ], said
    for st in steps:
        assert st.requests is not None and st.requests > 0, st
        assert st.errors == 0 and st.error_rate == 0.0, st
        assert 0 < st.abandoned <= st.concurrency, st
        assert st.p95_ms is not None and st.p95_ms >= 400, st
        # the verdict's error bar is not moved by the cut-off (the SLO's p95 is wide; a generator that a busy
        # machine slowed marks its step invalid, which says nothing of the cut-off)
        assert not st.valid or meets_slo(st, snap.slo_p95_ms, snap.slo_error_rate), st
    all_counted(srv, steps)
    out = max_throughput(snap)
    cut = sum(st.abandoned for st in steps)
    assert f"{cut:,} request{'s' if cut != 1 else ''} cut off at the steps' ends" in (out.summary or "")
    assert [s["abandoned"] for s in out.evidence["steps"]] == [st.abandoned for st in steps]


def test_a_saturated_apps_queue_at_a_steps_end_is_cut_off_not_timed_out(serve) -> None:  # type: ignore[no-untyped-def]
    """One request at a time, 0.12 s each, 16 users: at the step's end (1.5 s in) the first requests of some
    users still wait, longer than any answer that came (the queue still grows), while answers keep coming."""
    one_at_a_time = threading.Lock()

    def answer() -> None:
        with one_at_a_time:
            time.sleep(0.12)

    srv = serve(answer)
    _, steps = ramp(srv, [16])
    (st,) = steps
    assert st.errors == 0 and st.error_rate == 0.0, st
    assert st.abandoned >= 4, st  # at most ~12 answered of the first 16 by the end
    all_counted(srv, steps)
