"""How the command line talks: verbosity, colour and width, decided once from the flags and the environment.

Conventions kept: ``NO_COLOR`` (any value) and ``--no-color`` turn colour off, ``FORCE_COLOR`` (any value
but 0) turns it on when output is not a terminal, ``TERM=dumb`` gets none; the width is the terminal's,
or ``COLUMNS``, or 120 off a terminal. ``--quiet`` keeps errors, warnings and the report; ``--verbose``
adds timings and details. The global flags may stand anywhere on the command line (``perfscore audit -q``
as well as ``perfscore -q audit``).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import TextIO

GLOBAL_FLAGS = {"-q", "--quiet", "-v", "--verbose", "--no-color", "--version"}
DEFAULT_WIDTH = 120


@dataclass
class UI:
    quiet: bool = False
    verbose: bool = False
    no_color: bool = False


STATE = UI()


def hoist_global_flags(args: list[str], takes_value: frozenset[str] = frozenset()) -> list[str]:
    """The global flags moved before the command name, wherever they were given (up to a ``--``), except
    where one is the value of an option (``-H -v``, ``--body -q``)."""
    end = args.index("--") if "--" in args else len(args)
    flags: list[str] = []
    rest: list[str] = []
    for i, a in enumerate(args[:end]):
        is_value = i > 0 and args[i - 1] in takes_value
        (flags if a in GLOBAL_FLAGS and not is_value else rest).append(a)
    return flags + rest + args[end:]


def color(stream: TextIO) -> bool:
    if STATE.no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


def width(stream: TextIO) -> int:
    if _isatty(stream):
        return max(40, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)
    try:
        return max(40, int(os.environ.get("COLUMNS", DEFAULT_WIDTH)))
    except ValueError:
        return DEFAULT_WIDTH


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False
