"""Exit codes and the one exception type the CLI turns into a clean message."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    GATE_FAILED = 1
    USAGE = 2  # usage, config, rubric or input-file error
    UNREACHABLE = 3  # nothing could be measured
    INTERNAL = 70  # a bug in perfscore (EX_SOFTWARE): one line, the traceback only with PERFSCORE_DEBUG=1


class Interrupted(BaseException):
    """SIGINT or SIGTERM: a BaseException, so no ``except Exception`` swallows it and every ``finally``
    (load workers, temporary files) runs on the way out."""

    def __init__(self, signum: int, partial: object = None) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
        self.partial = partial  # what ran before the signal (a load run's results), for a summary of it


# A signal that arrived while an event loop ran in the main thread: an exception raised inside a loop
# callback is logged and dropped by the loop, so the handler stops the loop and leaves the signal here.
pending_signals: list[int] = []


def raise_if_interrupted() -> None:
    """Raise the Interrupted that a signal left pending while an event loop ran."""
    if pending_signals:
        raise Interrupted(pending_signals.pop())


class PerfscoreError(Exception):
    """A user-facing error: the message is shown as is, never with a traceback."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
