"""Command-line patterns (``processes:``, ``--process``), matched by RE2.

A pattern is user input run against every process on the machine. Python's
``re`` backtracks: ``(a+)+$`` against a long command line takes exponential
time, holds the GIL, and no deadline can stop it (74 s at a 2 s probe
timeout). RE2 (google-re2, the engine behind Go's regexp and RE2-based
log tools) matches in time linear in the input, so such a pattern is merely
slow-free; what RE2 cannot do (backreferences, lookaround) is refused when the
config is read, with the reason.
"""

from __future__ import annotations

from typing import Any, Protocol

MAX_PATTERN = 1000


class Matcher(Protocol):
    def search(self, text: str) -> Any: ...


def compile_pattern(pattern: str) -> Matcher:
    """``pattern`` compiled by RE2; ValueError with a reason a user can act on."""
    import re2  # type: ignore[import-untyped]

    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"a pattern is at most {MAX_PATTERN} characters")
    options = re2.Options()
    options.log_errors = False  # the reason goes into our message, not to stderr
    try:
        return re2.compile(pattern, options)  # type: ignore[no-any-return]
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"not a pattern perfscore can match safely ({reason}; RE2 syntax: no backreferences or lookaround)"
        ) from None
