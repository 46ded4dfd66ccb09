"""Ctrl-C reaches an audit waiting on its gatherers (a CI run hung 20 s, then failed): a process-directed
signal may be delivered to any thread, and CPython runs the handler in the main thread only when that thread
next runs Python code. The runner waits in short slices, so the handler runs within a moment."""

from __future__ import annotations

import os
import signal
import threading
import time
from types import FrameType

import pytest

from perfscore.session.runner import _concurrently


class Stop(BaseException):
    pass


def test_a_signal_another_thread_took_stops_the_wait_at_once() -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise Stop

    started = threading.Event()

    def slow() -> None:
        started.set()
        time.sleep(30)

    previous = signal.signal(signal.SIGUSR1, handler)
    done = threading.Event()
    receiver = threading.Thread(target=done.wait, daemon=True)  # started before the block: its mask is open
    receiver.start()
    # Every thread started from here on inherits the block: the kernel must hand the signal to the receiver.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    try:
        threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGUSR1)).start()
        t0 = time.monotonic()
        with pytest.raises(Stop):  # the handler runs when the waiting main thread next runs Python code
            _concurrently({"slow": slow}, 60.0)
    finally:
        done.set()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
        signal.signal(signal.SIGUSR1, previous)
    assert started.is_set() and time.monotonic() - t0 < 5
