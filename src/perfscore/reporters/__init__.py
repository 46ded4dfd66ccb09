"""Reporters turn a Result into text. One module per format, each with ``render``."""

from __future__ import annotations

import importlib
from typing import Protocol

from perfscore.errors import PerfscoreError
from perfscore.reporters.context import ReportContext
from perfscore.result import Result

FORMATS = ("terminal", "json", "html", "markdown", "junit", "prometheus", "github")


class Reporter(Protocol):
    def render(self, result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str: ...


def render(result: Result, fmt: str, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    if fmt not in FORMATS:
        raise PerfscoreError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    module = importlib.import_module(f"perfscore.reporters.{fmt}_report")
    text: str = module.render(result, color=color, ctx=ctx or ReportContext())
    return text
