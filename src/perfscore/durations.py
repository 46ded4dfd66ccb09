"""Durations as wrk, hey and k6 users write them: ``10s``, ``2m``, ``500ms``, ``1h``, ``7d``, ``1m30s``; a bare
number is seconds (what perfscore always took)."""

from __future__ import annotations

import math
import re

from perfscore.errors import PerfscoreError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_duration(text: str, flag: str) -> float:
    """Seconds in ``text``; a PerfscoreError naming ``flag`` for anything else."""
    t = text.strip().lower()
    try:
        value = float(t)
    except ValueError:
        pos, value = 0, 0.0
        for m in _PART.finditer(t):
            if m.start() != pos:
                break
            value += float(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if pos != len(t) or not t:
            raise PerfscoreError(f"{flag} {text!r}: not a duration (say 10s, 2m, 500ms, 1m30s, or seconds).") from None
    if not math.isfinite(value) or value < 0:
        raise PerfscoreError(f"{flag} {text!r}: not a duration (say 10s, 2m, 500ms, 1m30s, or seconds).")
    return value
