"""The roadmap's order (issue 26): critical first, then what saves measured time (the most first), then
the rest by score points; when one user alone already waits past the target, the work per request comes
before its consequences (throughput, workers)."""

from __future__ import annotations

from typing import Any

from perfscore.rubric import load_rubric
from perfscore.run import Measurement, Run
from perfscore.scoring import score_run

RUBRIC = load_rubric()


def m(metric: str, value: Any, **evidence: Any) -> Measurement:
    return Measurement(metric=metric, value=value, evidence=evidence)


def test_a_database_bound_app_is_told_to_index_before_it_is_told_to_cache() -> None:
    """The microfinance case: caching weighs 20 %, but the app's time goes to scans; the scans' measured
    time per request puts the indexes first, the cache (no measured saving) after, and says why."""
    run = Run(
        measurements=[
            m("redis.hit_ratio", 0.0),  # no cache: many points, no measured saving
            m("mysql.full_scan_statements", 3.0, saving_ms=74.2, saving_basis="the scanning statements' time"),
            m("mysql.queries_per_request", 40.0, saving_ms=3.1, saving_basis="the loop's statements"),
        ]
    )
    roadmap = score_run(run, RUBRIC).roadmap
    order = [i.metric for i in roadmap]
    assert order.index("mysql.full_scan_statements") < order.index("mysql.queries_per_request")
    assert order.index("mysql.queries_per_request") < order.index("redis.hit_ratio")
    scans = next(i for i in roadmap if i.metric == "mysql.full_scan_statements")
    cache = next(i for i in roadmap if i.metric == "redis.hit_ratio")
    assert scans.saving_ms == 74.2 and "74.20 ms per request" in (scans.saving or "")
    assert cache.gain > scans.gain  # more points, ranked after: points are beside the saving, not the order
    assert cache.saving == "no measured saving: ranked by score points"


def test_when_one_user_already_waits_the_work_per_request_comes_first() -> None:
    """latency_ms 200: every page takes ~201 ms even alone; adding workers is not the first fix."""
    run = Run(
        measurements=[
            m("http.p95_latency", 204.0, alone_ttfb_ms={"loan": 201.3, "dashboard": 3.1}),
            m("load.max_throughput", 40.0),
            m("load.max_concurrency", 8.0),
        ]
    )
    roadmap = score_run(run, RUBRIC).roadmap
    first = roadmap[0]
    assert first.metric == "http.p95_latency" and "201 ms on loan" in (first.saving or ""), first
    later = [i for i in roadmap if i.category == "scalability"]
    assert later and all("follows from the work per request" in (i.detail or "") for i in later)
    assert all(roadmap.index(i) > 0 for i in later)


def test_without_a_slow_single_user_time_scalability_keeps_its_place() -> None:
    run = Run(measurements=[m("http.p95_latency", 150.0, alone_ttfb_ms={"loan": 3.0}), m("load.max_throughput", 40.0)])
    item = next(i for i in score_run(run, RUBRIC).roadmap if i.metric == "load.max_throughput")
    assert "follows from" not in (item.detail or "")


def test_a_failing_app_tells_one_order_and_shows_invalid_figures_as_invalid() -> None:
    """error_rate 0.3: the category table follows the roadmap (error handling first, as "Fix the failing
    requests" is); response time and memory, whose figures timed failures, are "Invalid", not red "High";
    the Fix-first phase says to audit again rather than promise a number."""
    run = Run(
        measurements=[
            m("http.error_rate", 0.3),
            m("http.p95_latency", 900.0),
            m("http.mean_latency", 400.0),
            m("http.p99_latency", 1500.0),
            m("php.worker_rss_mean", 300.0),
            m("mysql.full_scan_statements", 1.0),
        ]
    )
    result = score_run(run, RUBRIC)
    assert result.roadmap[0].metric == "http.error_rate" and result.roadmap[0].critical
    ranked = [c.id for c in sorted(result.categories, key=lambda c: c.rank)]
    seen = list(dict.fromkeys(i.category for i in result.roadmap))
    assert ranked[: len(seen)] == seen  # the category table tells the roadmap's order
    assert result.category("response_time").priority == "Invalid", result.category("response_time")
    fix_first = next(p for p in result.phases if p.phase == 0)
    assert fix_first.note and "audit again" in fix_first.note and "invalid" in fix_first.note
