"""Benchmark: scoring a run of 1,000 metrics (goal: under 50 ms).

Run with `make bench` or `.venv/bin/python benchmarks/bench_scoring.py`.
Prints the median and best of repeated runs of score_run (scorecard and
roadmap together) on a synthetic rubric of 7 categories and 1,000 metrics.
"""

from __future__ import annotations

import statistics
import time

from perfscore.rubric import load_rubric
from perfscore.rubric.model import Rubric
from perfscore.run import Measurement, Run
from perfscore.scoring import score_run

# The seven categories and weights of the bundled rubric.
CATEGORIES = {cid: c.weight for cid, c in load_rubric().categories.items()}


def build(n: int = 1000) -> tuple[Rubric, Run]:
    cats = list(CATEGORIES)
    metrics = {}
    ms = []
    for i in range(n):
        kind = i % 3
        curve: dict[str, object]
        if kind == 0:
            curve, target, value = {"type": "lognormal", "p10": 100, "median": 400}, 80.0, float(50 + i % 500)
        elif kind == 1:
            curve, target, value = {"type": "linear", "points": [[0.5, 0], [0.95, 1]]}, 0.95, (i % 100) / 100
        else:
            curve, target, value = {"type": "boolean"}, True, bool(i % 2)
        mid = f"bench.metric_{i:04d}"
        metrics[mid] = {
            "title": f"Metric {i}",
            "category": cats[i % len(cats)],
            "weight": 1 + i % 3,
            "curve": curve,
            "target": target,
            "remediation": {"title": "Fix", "action": "Do it", "effort": "SML"[i % 3], "phase": 1 + i % 3},
        }
        if i % 17:
            ms.append(Measurement(metric=mid, value=value))
    rubric = Rubric.model_validate(
        {
            "name": "bench",
            "categories": {c: {"title": c, "weight": w} for c, w in CATEGORIES.items()},
            "metrics": metrics,
        }
    )
    return rubric, Run(measurements=ms)


def main() -> None:
    rubric, run = build()
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        result = score_run(run, rubric)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"score_run on {len(rubric.metrics)} metrics ({len(run.measurements)} measured): "
        f"median {statistics.median(times):.1f} ms, best {min(times):.1f} ms, "
        f"score {result.score}, {len(result.roadmap)} roadmap items (goal: < 50 ms)"
    )


if __name__ == "__main__":
    main()
