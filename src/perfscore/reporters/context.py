"""What a report may show beside the Result: gate outcomes, a comparison, the history trend."""

from __future__ import annotations

from dataclasses import dataclass, field

from perfscore.gate import Comparison, GateCheck
from perfscore.history import HistoryPoint


@dataclass(frozen=True)
class ReportContext:
    gate: list[GateCheck] = field(default_factory=list)
    comparison: Comparison | None = None
    history: list[HistoryPoint] = field(default_factory=list)
    width: int = 120  # columns of the terminal format
