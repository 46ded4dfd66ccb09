"""Which of several collections to keep (``audit --runs N --aggregate``). Pure."""

from __future__ import annotations

import statistics
from typing import Literal, TypeVar

from perfscore.result import Result
from perfscore.run import Noise

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


def noise(results: list[Result]) -> Noise | None:
    """The spread of repeated runs of an unchanged stack: the overall score's and each metric's score's
    max - min (only the metrics that moved). None for fewer than two runs."""
    if len(results) < 2:
        return None
    scores: dict[str, list[float]] = {}
    for r in results:
        for c in r.categories:
            for m in c.metrics:
                if m.score is not None and m.status == "measured":
                    scores.setdefault(m.id, []).append(m.score)
    spread = {mid: round(max(v) - min(v), 4) for mid, v in scores.items() if len(v) > 1 and max(v) > min(v)}
    overall = [r.score for r in results]
    return Noise(runs=len(results), score_spread=round(max(overall) - min(overall), 2), metrics=spread)
