from __future__ import annotations

from perfscore.rubric import load_rubric
from perfscore.rubric.model import METRIC_ID


def test_default_rubric_has_the_seed_categories_and_weights() -> None:
    rub = load_rubric()
    assert {cid: c.weight for cid, c in rub.categories.items()} == {
        "database": 25,
        "caching": 20,
        "memory": 15,
        "response_time": 15,
        "error_handling": 10,
        "scalability": 10,
        "monitoring": 5,
    }


def test_every_category_has_metrics_and_every_metric_a_source() -> None:
    rub = load_rubric()
    for cid in rub.categories:
        assert rub.metrics_of(cid), cid
    for mid, m in rub.metrics.items():
        assert METRIC_ID.match(mid)
        assert m.source, f"{mid} has no source for its threshold"
        assert m.remediation.action


def test_seed_kpis_are_the_targets() -> None:
    rub = load_rubric()
    assert rub.metrics["http.p95_latency"].target == 200
    assert rub.metrics["http.p99_latency"].target == 500
    assert rub.metrics["http.mean_latency"].target == 80
    assert rub.metrics["http.error_rate"].target == 0.001
    assert rub.metrics["redis.hit_ratio"].target == 0.95
    assert rub.metrics["load.max_throughput"].target == 1000
    assert rub.metrics["load.max_concurrency"].target == 5000
    assert rub.metrics["php.worker_rss_mean"].target == 96
