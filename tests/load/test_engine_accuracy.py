"""The load engine against servers with known behaviour (tests/load/servers.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from perfscore.load.engine import run_load
from perfscore.loadmodel import Endpoint, LoadSpec

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timing]


def spec(port: int, **kw: object) -> LoadSpec:
    base: dict[str, object] = dict(
        host="127.0.0.1",
        port=port,
        host_header=f"127.0.0.1:{port}",
        endpoints=[Endpoint(path="/")],
        connections=8,
        duration_s=2.0,
        warmup_s=0.3,
    )
    base.update(kw)
    return LoadSpec(**base)  # type: ignore[arg-type]


def test_fixed_delay_is_measured_at_p50(server: Callable[[str, str], int]) -> None:
    # Compared with the same server undelayed, in the same test, so machine load cancels out:
    # the server cannot answer before its 20 ms sleep (1 ms of timer slack allowed), and what
    # the engine adds on top is bounded by the undelayed p50 plus 5 ms of scheduling on 2 cores.
    fast = run_load(spec(server("delay", "0")))
    slow = run_load(spec(server("delay", "20")))
    assert fast.latency_ms is not None and slow.latency_ms is not None
    extra = slow.latency_ms.p50 - 20
    assert -1 <= extra <= fast.latency_ms.p50 + 5, (fast.latency_ms, slow.latency_ms)
    assert slow.errors == 0 and slow.requests > 100


def test_known_failure_fraction(server: Callable[[str, str], int]) -> None:
    port = server("fail", "0.2")
    r = run_load(spec(port, duration_s=1.5))
    assert 0.18 <= r.error_rate <= 0.22, r.error_rate
    assert r.status_counts.get("500", 0) == r.errors


def test_fast_failures_stay_out_of_the_percentiles(server: Callable[[str, str], int]) -> None:
    # Half the requests fail at once, half succeed after 30 ms: mixed together, the median would
    # look fast. Successes are timed apart from failures.
    r = run_load(spec(server("failfast", "30"), connections=4))
    assert r.latency_ms is not None and r.error_latency_ms is not None
    assert r.latency_ms.p50 >= 29, r.latency_ms  # the server sleeps 30 ms (1 ms of timer slack)
    assert r.error_latency_ms.p50 < r.latency_ms.p50 / 2, (r.error_latency_ms, r.latency_ms)
    assert 0.4 <= r.error_rate <= 0.6


def test_stalls_under_a_fixed_rate_show_in_p99(server: Callable[[str, str], int]) -> None:
    # The server stops answering for 200 ms of every second. At a fixed arrival rate the
    # requests due during a stall wait for it: measured from their intended send time
    # the stall shows at p99, although most requests are fast.
    port = server("stall", "1000:200")
    r = run_load(spec(port, connections=4, rate=200, duration_s=3.0, warmup_s=0.0))
    assert r.latency_ms is not None
    assert r.latency_ms.p50 < 50, r.latency_ms
    assert r.latency_ms.p99 >= 100, r.latency_ms
    # An open model never sends ahead of its schedule (a hard bound); stalls only delay answers,
    # so even on a loaded machine at least half of the scheduled requests complete.
    scheduled = 200 * r.duration_s
    assert 0.5 * scheduled <= r.requests <= scheduled * 1.02 + 4, (r.requests, r.duration_s)


def test_timeouts_are_counted_as_errors(server: Callable[[str, str], int]) -> None:
    port = server("silent", "")
    r = run_load(spec(port, connections=2, duration_s=1.5, timeout_s=0.5, warmup_s=0.0))
    assert r.timeouts >= 2 and r.errors >= 2 and r.error_rate == 1.0


def test_max_requests_bounds_the_run(server: Callable[[str, str], int]) -> None:
    port = server("delay", "1")
    r = run_load(spec(port, max_requests=200, duration_s=30, warmup_s=0.0))
    assert 200 <= r.requests <= 200 + 8
    # The budget, not the 30 s duration, ends the run: 200 requests of 1 ms over 8 connections.
    assert r.duration_s < 30 / 2


def test_request_budget_is_shared_between_processes(server: Callable[[str, str], int]) -> None:
    port = server("delay", "1")
    r = run_load(spec(port, max_requests=300, duration_s=30, warmup_s=0.0, workers=2))
    assert 300 <= r.requests <= 300 + 8
