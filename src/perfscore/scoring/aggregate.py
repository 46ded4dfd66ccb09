"""Which of several collections to keep (``audit --runs N --aggregate``). Pure."""

from __future__ import annotations

import statistics
from typing import Literal, TypeVar

from perfscore.result import Result

Aggregate = Literal["median", "best", "worst"]
AGGREGATES: tuple[Aggregate, ...] = ("median", "best", "worst")
T = TypeVar("T")


def select(collected: list[tuple[Result, T]], aggregate: Aggregate) -> tuple[Result, T]:
    """The kept (result, run). Median is Lighthouse CI's choice: the run whose score is the
    median (the lower one for an even count), so its evidence is consistent with its score."""
    if not collected:
        raise ValueError("no runs to choose from")
    ordered = sorted(collected, key=lambda rr: rr[0].score)
    if aggregate == "best":
        return ordered[-1]
    if aggregate == "worst":
        return ordered[0]
    median = statistics.median_low([r.score for r, _ in collected])
    return next(rr for rr in ordered if rr[0].score == median)
