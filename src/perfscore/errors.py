"""Exit codes and the one exception type the CLI turns into a clean message."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    GATE_FAILED = 1
    USAGE = 2  # usage, config, rubric or input-file error
    UNREACHABLE = 3  # nothing could be measured
    INTERNAL = 70  # a bug in perfscore (EX_SOFTWARE): one line, the traceback only with PERFSCORE_DEBUG=1


class PerfscoreError(Exception):
    """A user-facing error: the message is shown as is, never with a traceback."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
