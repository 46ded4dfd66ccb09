"""The signal handling of a fault's undo, in this process (issue 27): a signal that arrives while the undo
runs waits for it, then is acted on as its handler says; a command started while perfscore ignores the
signals (the CLI does, once the first arrived) meets them at their defaults."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfscore.errors import Interrupted
from perfscore.session.resilience import _signals_held, _start


@pytest.fixture
def hup() -> Iterator[None]:
    """SIGHUP's handler, set back after the test (the tests signal this process with it)."""
    saved = signal.getsignal(signal.SIGHUP)
    yield
    signal.signal(signal.SIGHUP, saved)


def _wait(cond: object, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not cond() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)


def test_a_signal_during_the_hold_is_acted_on_after_it(hup: None) -> None:
    seen: list[str] = []

    def handler(signum: int, frame: object) -> None:
        seen.append("handler")
        raise Interrupted(signum)

    signal.signal(signal.SIGHUP, handler)
    got: list[int] = []

    def hold() -> None:
        with _signals_held() as noted:
            os.kill(os.getpid(), signal.SIGHUP)
            _wait(lambda: noted)
            got.extend(noted)
            seen.append("block done")  # noted, not acted on: the block goes on

    with pytest.raises(Interrupted) as raised:
        hold()
    assert got == [signal.SIGHUP]
    assert seen == ["block done", "handler"] and raised.value.exit_code == 129
    assert signal.getsignal(signal.SIGHUP) is handler  # set back


def test_an_ignored_signal_stays_ignored_after_the_hold(hup: None) -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    with _signals_held() as got:
        os.kill(os.getpid(), signal.SIGHUP)
        _wait(lambda: got)
    assert got == [signal.SIGHUP]
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN


def _ignored_by(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("SigIgn:")), 16)


def test_a_command_started_while_signals_are_ignored_meets_them_at_their_defaults(hup: None) -> None:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN)  # as the CLI's handler leaves them while it cleans up
    try:
        proc = _start("sleep 30")
        try:
            _wait(lambda: Path(f"/proc/{proc.pid}/exe").resolve().name == "sleep")  # exec'd
            mask = _ignored_by(proc.pid)
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                assert not mask & (1 << (s - 1)), (s, hex(mask))
            assert os.getpgid(proc.pid) == proc.pid  # its own process group: a terminal's Ctrl-C is perfscore's
        finally:
            proc.kill()
            proc.wait()
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            assert signal.getsignal(s) == signal.SIG_IGN  # perfscore's own disposition is unchanged
    finally:
        for s, h in saved.items():
            signal.signal(s, h)
