"""A ramp step's figures: requests the generator cut off at the step's end are counted apart, never errors.

The deadline rule (which requests in flight at a run's end are timeouts, which are cut off) is tested on
the worker itself; the step's figures from the engine's merge of its generators' counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import Any

import pytest

from perfscore.artifacts.ramp import RampStep
from perfscore.load.engine import merge
from perfscore.load.hdr import new_histogram
from perfscore.load.worker import Worker
from perfscore.loadmodel import Endpoint, LoadSpec
from perfscore.session.ramp import ramp_step

SPEC = LoadSpec(
    host="127.0.0.1",
    port=1,
    host_header="127.0.0.1:1",
    endpoints=[Endpoint()],
    connections=4,
    duration_s=2.0,
    timeout_s=10.0,
)
LABEL = SPEC.endpoints[0].label


@dataclass
class User:
    """What Worker.stop reads of a virtual user."""

    sent_at: float
    in_flight: bool = True
    ep: int = 0

    def close(self) -> None:
        self.in_flight = False


# (the ages of the requests in flight at the deadline, s; how long ago the last answer came, s; the slowest
# successful answer, s) → (timeouts, cut off). Patience here: max(1 s, the slowest answer).
DEADLINE_CASES = [
    pytest.param([0.2, 0.3], 0.05, 0.4, (0, 2), id="a healthy app's requests in flight: cut off"),
    pytest.param(
        [1.5, 1.4, 0.1], 0.02, 1.2, (0, 3), id="a saturated app's queue older than any answer, answers coming: cut off"
    ),
    pytest.param([1.9, 1.9], 1.9, 0.01, (2, 0), id="the server stopped answering: timeouts"),
    pytest.param([1.9, 0.5], 1.5, 0.01, (1, 1), id="stopped answering, one sent late: only the long wait times out"),
    pytest.param([1.5], 1.5, 2.0, (0, 1), id="silent, but no longer than its slowest answer: cut off"),
    pytest.param([10.4, 0.2], 0.01, 0.3, (1, 1), id="past the request timeout, answers coming: a timeout"),
]


@pytest.mark.parametrize(("ages", "silent_s", "slowest_s", "expect"), DEADLINE_CASES)
def test_requests_in_flight_at_the_deadline_are_timeouts_only_when_the_server_stopped_or_the_timeout_passed(
    ages: list[float], silent_s: float, slowest_s: float, expect: tuple[int, int]
) -> None:
    w = Worker(SPEC, connections=len(ages), rate=None, seed=1)
    now = perf_counter()
    users = [User(sent_at=now - age) for age in ages]
    w.users = users  # type: ignore[assignment]
    w.last_answer_at = now - silent_s
    w.stats.slowest_ok = slowest_s
    w.stop(deadline=True)
    assert (w.stats.timeouts, w.stats.abandoned) == expect
    assert w.stats.unfinished == expect[0] and sum(w.stats.errors.values()) == expect[0]
    assert not any(u.in_flight for u in users)


def _part(ok: int, failed: int, abandoned: int, warmup: int, timeouts: int = 0) -> dict[str, Any]:
    """One generator's raw counts as run_worker reports them: ``ok`` 200s of 50 ms, ``failed`` 500s of 5 ms."""
    h, e = new_histogram(), new_histogram()
    for _ in range(ok):
        h.record_value(50_000)
    for _ in range(failed):
        e.record_value(5_000)
    return {
        "hists": [h.encode()],
        "err_hists": [e.encode()],
        "status": {LABEL: {"200": ok, "500": failed}},
        "errors": {LABEL: failed + timeouts} if failed + timeouts else {},
        "timeouts": timeouts,
        "unfinished": timeouts,
        "abandoned": abandoned,
        "warmup": warmup,
        "cpu_s": 0.1,
        "wall_s": 2.5,
        "lag_p99_us": 100,
        "measured_s": 2.0,
    }


# (generators' counts) → (error rate, req/s, cut off, requests, errors, sent): over 2 s measured.
STEP_CASES = [
    pytest.param([(100, 0, 8, 20, 0)], (0.0, 50.0, 8, 100, 0, 128), id="cut off only: no error, not in the rate"),
    pytest.param([(90, 10, 0, 20, 0)], (0.1, 50.0, 0, 100, 10, 120), id="the app's errors, nothing cut off"),
    pytest.param(
        [(45, 5, 30, 10, 0), (45, 5, 30, 10, 0)], (0.1, 50.0, 60, 100, 10, 180), id="two generators: cut-offs add"
    ),
    pytest.param([(80, 0, 4, 0, 20)], (0.2, 40.0, 4, 100, 20, 104), id="timeouts are errors, cut-offs are not"),
]


@pytest.mark.parametrize(("parts", "expect"), STEP_CASES)
def test_a_steps_error_rate_and_throughput_leave_out_the_requests_cut_off_at_its_end(
    parts: list[tuple[int, int, int, int, int]], expect: tuple[float, float, int, int, int, int]
) -> None:
    r = merge(SPEC, [_part(*p) for p in parts])
    step = ramp_step(8, r, warmup_s=0.5, db_queries=900)
    assert (step.error_rate, step.rps, step.abandoned, step.requests, step.errors, step.sent) == expect
    assert step.sent == (step.warmup_requests or 0) + step.requests + step.abandoned
    assert step.wall_s == 2.5 and step.db_queries == 900 and step.concurrency == 8


def test_a_step_saved_before_cut_offs_were_counted_still_loads() -> None:
    old = RampStep.model_validate({"concurrency": 4, "rps": 120.5, "p95_ms": 30.0, "error_rate": 0.0, "wall_s": 2.5})
    assert old.abandoned == 0 and old.requests is None and old.sent is None


@pytest.mark.parametrize(
    ("late", "p95_at_least_the_slowest"),
    [
        pytest.param(0, False, id="nothing slower than the answers: the served p95 stands"),
        pytest.param(4, False, id="a few users' last requests, under 5 % of the step's: the served p95 stands"),
        pytest.param(20, True, id="a hung endpoint's requests, never answered in the step: p95 is the slowest answer"),
    ],
)
def test_requests_cut_off_slower_than_every_answer_bound_the_steps_p95(
    late: int, p95_at_least_the_slowest: bool
) -> None:
    """A reviewer's case: a tenth of the mix hangs 4 s, the steps last 2 s. Those requests are never answered
    within a step, so only the fast ones are timed: they must not pass the SLO alone. Cut off at the step's end
    slower than every answer, they are still left out of the errors and the rate, but bound its p95."""
    h = new_histogram()
    for latency_us in [50_000] * 98 + [300_000] * 2:  # p95 50 ms, the slowest answer 300 ms
        h.record_value(latency_us)
    part = _part(0, 0, 22, 0, 0) | {"hists": [h.encode()], "status": {LABEL: {"200": 100}}, "abandoned_late": late}
    r = merge(SPEC, [part])
    step = ramp_step(8, r, warmup_s=0.5)
    assert r.abandoned_late == late and step.error_rate == 0.0 and step.rps == 50.0
    assert (step.p95_ms == r.latency_ms.max) is p95_at_least_the_slowest, (step.p95_ms, r.latency_ms)


def test_the_worker_counts_the_cut_off_requests_slower_than_every_answer() -> None:
    w = Worker(SPEC, connections=3, rate=None, seed=1)
    now = perf_counter()
    w.users = [User(sent_at=now - age) for age in (1.5, 1.4, 0.1)]  # type: ignore[assignment]
    w.last_answer_at = now - 0.02
    w.stats.slowest_ok = 1.2
    w.stop(deadline=True)
    assert (w.stats.abandoned, w.stats.abandoned_late, w.stats.timeouts) == (3, 2, 0)
