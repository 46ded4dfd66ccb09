"""The steady traffic of a fault keeps the seconds it can judge whole (issue 27): the recovery loop stops on
complete seconds, so a second still in progress at the stop — or one whose requests were never sent — must
not be judged afterwards on a part of its requests (a CI run saw "not recovered" after two steady seconds:
the second in progress had one early error)."""

from __future__ import annotations

import time

from perfscore.config import Config
from perfscore.session.resilience import Traffic


def test_only_complete_seconds_are_kept_with_their_endpoints_failures() -> None:
    cfg = Config.model_validate({"target": {"base_url": "http://127.0.0.1:9"}})
    t = Traffic(cfg, rate=10)
    t.zero = time.monotonic() - 3.5  # seconds 0-2 are over, second 3 is in progress
    for sec in range(4):
        t.sent[sec] = 10
    t.lat.update({0: [5.0] * 10, 2: [5.0] * 9})
    t.failed.update({2: 1, 3: 4})
    t.by_endpoint.update({(2, "loan"): 1, (3, "search"): 4})
    t.pending[1] = 3  # three of second 1's requests were never answered: it cannot be judged
    seconds, by_endpoint = t.finish()
    assert [s.t for s in seconds] == [0, 2]
    assert [(s.requests, s.errors) for s in seconds] == [(10, 0), (10, 1)]
    assert by_endpoint == {"loan": 1}  # second 3's four failures are not counted: it was not judged


def test_a_request_that_waited_for_a_thread_is_timed_from_when_it_was_due(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One thread, answers that take 0.1 s, twenty requests a second due: each waits longer than the one
    before it for the thread. Timed from when it left, every one took 0.1 s; from when it was due (what a
    user arriving at that rate saw), the waits grow by 0.05 s a request."""
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    from perfscore.session import resilience

    def slow_fetch(url: str, **_: object) -> SimpleNamespace:
        time.sleep(0.1)
        return SimpleNamespace(status=200)

    monkeypatch.setattr(resilience, "fetch", slow_fetch)
    cfg = Config.model_validate(
        {"target": {"base_url": "http://127.0.0.1:9"}, "endpoints": [{"name": "page", "path": "/"}]}
    )
    t = Traffic(cfg, rate=20)
    t.pool = ThreadPoolExecutor(max_workers=1)
    t.start(time.monotonic())
    deadline = time.monotonic() + 10
    while sum(t.sent.values()) < 8 and time.monotonic() < deadline:  # eight requests due and queued
        time.sleep(0.01)
    t.stop.set()
    t.thread.join(5)
    t.pool.shutdown(wait=True)  # every queued request answered
    took = sorted(ms for lat in t.lat.values() for ms in lat)
    assert len(took) >= 8, took
    assert took[0] >= 95 and took[-1] >= took[0] + 300, took  # the eighth waited 0.35 s more than the first
    assert sum(t.sent.values()) == len(took) and all(n == 0 for n in t.pending.values())
