"""The service-level objective a run was judged by: the absolute targets (throughput, users, latency, errors).

Saved in the run (``artifacts.slo``) so that ``perfscore score run.json`` re-scores it against the same
targets; a run without one is judged by LoanFlow's KPIs, the seed document's (``LOANFLOW``). The CPU
projection reads it like any other artifact; scoring re-targets the rubric's SLO-linked metrics with it.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field

from perfscore.artifacts.base import Snapshot

SloKey = Literal["peak_rps", "concurrent_users", "p95_ms", "p99_ms", "error_rate"]
SLO_KEYS: tuple[SloKey, ...] = ("peak_rps", "concurrent_users", "p95_ms", "p99_ms", "error_rate")

# The seed document's KPIs: > 1,000 req/s, > 5,000 concurrent users, p95 < 200 ms, p99 < 500 ms, errors < 0.1 %.
LOANFLOW_PEAK_RPS = 1000.0
LOANFLOW_USERS = 5000
LOANFLOW_P95_MS = 200.0
LOANFLOW_P99_MS = 500.0
LOANFLOW_ERROR_RATE = 0.001
P99_PER_P95 = LOANFLOW_P99_MS / LOANFLOW_P95_MS  # a p99 target left out follows a p95 set: the seed's ratio


class SloSnapshot(Snapshot):
    artifact: ClassVar[str] = "slo"

    peak_rps: float = Field(LOANFLOW_PEAK_RPS, gt=0, allow_inf_nan=False, description="requests/s at peak")
    concurrent_users: int = Field(LOANFLOW_USERS, ge=1, description="users at once at peak")
    p95_ms: float = Field(LOANFLOW_P95_MS, gt=0, allow_inf_nan=False)
    p99_ms: float = Field(LOANFLOW_P99_MS, gt=0, allow_inf_nan=False)
    error_rate: float = Field(LOANFLOW_ERROR_RATE, gt=0, le=1, allow_inf_nan=False)
    custom: bool = Field(False, description="false: LoanFlow's KPIs, the default; true: the config's own slo:")

    def value(self, key: SloKey) -> float:
        return float(getattr(self, key))

    def figures(self) -> str:
        """``1,000 req/s, 5,000 users, p95 200 ms, p99 500 ms, errors < 0.1 %``."""
        return (
            f"{_num(self.peak_rps)} req/s, {self.concurrent_users:,} user{'s' if self.concurrent_users != 1 else ''}, "
            f"p95 {_num(self.p95_ms)} ms, p99 {_num(self.p99_ms)} ms, errors < {_pct(self.error_rate)}"
        )

    def describe(self) -> str:
        """The report's line on the targets used, separate from the rubric's name."""
        if self.custom:
            return f"your SLO — {self.figures()}"
        return f"LoanFlow KPIs (default; set slo: in your config) — {self.figures()}"


LOANFLOW = SloSnapshot()


def _num(x: float) -> str:
    return f"{x:,.0f}" if math.isclose(x, round(x)) else f"{x:,.3g}"


def _pct(x: float) -> str:
    return f"{x * 100:.3g} %"


def default_ramp(users: int) -> list[int]:
    """The scalability ramp up to ``users``: ×4 steps from 1 up to half of it (1, 4, 16 …), then ``users``.

    5,000 users gives the seed's ramp, 1, 4, 16, 64, 256, 1,024, 5,000; 50 gives 1, 4, 16, 50."""
    steps = []
    step = 1
    while step * 2 <= users:
        steps.append(step)
        step *= 4
    return [*steps, users]
