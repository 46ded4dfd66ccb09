"""A Prometheus that answers with anything but a proper HTTP exchange (issue #29 item 4): a byte at a time,
no HTTP, HTTP/0.9, a bad status, a bad chunk size, a 1 MiB header, 5,000 headers, JSON nested 200,000
deep. Each is an unreachable or bad server (exit 3) with a message naming it, in bounded time, never a
crash (exit 70)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import perfscore
from tests.hostile import servers

pytestmark = pytest.mark.server


@pytest.fixture
def hostile() -> Iterator[Callable[[str], int]]:
    stops: list[Callable[[], None]] = []

    def start(mode: str) -> int:
        port, stop = servers.start(mode)
        stops.append(stop)
        return port

    yield start
    for stop in stops:
        stop()


def _config(tmp: Path, port: int, timeout_s: float = 2) -> Path:
    cfg = tmp / "p.yaml"
    cfg.write_text(
        f"prometheus: {{url: 'http://127.0.0.1:{port}', timeout_s: {timeout_s}}}\n"
        "audit: {duration_s: 1, load: {scalability: false}}\n"
    )
    return cfg


@pytest.mark.parametrize(
    ("mode", "needle"),
    [(m, "valid HTTP answer") for m in servers.PROM_ANSWERS if m != "prom-deep-json"]
    + [("prom-deep-json", "nested too deeply")],
)
def test_a_malformed_prometheus_answer_is_a_bad_server(hostile, tmp_path: Path, mode: str, needle: str) -> None:
    cfg = _config(tmp_path, hostile(mode))
    res = perfscore("config", "check", "--config", str(cfg), cwd=tmp_path)
    assert res.code == 3, res.err + res.out
    text = " ".join((res.out + res.err).split())
    assert "prometheus" in text.lower() and needle in text, text
    assert "Traceback" not in res.err and "internal error" not in res.err


def test_a_prometheus_that_drips_bytes_is_cut_off_at_its_timeout(hostile, tmp_path: Path) -> None:
    # One byte every 0.3 s: no read waits 2 s, but the answer (some 110 bytes) would take half a minute.
    cfg = _config(tmp_path, hostile("prom-drip"), timeout_s=2)
    t0 = time.monotonic()
    res = perfscore("config", "check", "--config", str(cfg), cwd=tmp_path)
    assert res.code == 3, res.err + res.out
    assert "did not finish answering within 2 s" in " ".join((res.out + res.err).split())
    assert time.monotonic() - t0 < 8
    t0 = time.monotonic()
    res = perfscore("audit", "--config", str(cfg), cwd=tmp_path)  # the credential check, then the probe
    took = time.monotonic() - t0
    assert "warning: Prometheus at" in res.err and "did not finish answering within 2 s" in res.err, res.err
    assert "cluster: 0/" in res.err, res.err
    assert took < 15, f"{took:.1f} s"  # the check before the audit and the probe's queries, each cut at 2 s
