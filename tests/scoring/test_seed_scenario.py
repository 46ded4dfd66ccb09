"""The seed document as a test vector (issue #3 §9)."""

from __future__ import annotations

import json

import pytest

from perfscore.rubric import load_rubric
from perfscore.run import load_run
from perfscore.scoring import score_run
from tests.conftest import SEED, perfscore

EXPECTED = {
    # id: (score, points needed, weighted impact)
    "database": (95, 5, 1.25),
    "caching": (98, 2, 0.40),
    "memory": (92, 8, 1.20),
    "response_time": (96, 4, 0.60),
    "error_handling": (98, 2, 0.20),
    "scalability": (90, 10, 1.00),
    "monitoring": (94, 6, 0.30),
}


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return score_run(load_run(SEED / "run.json"), load_rubric(SEED / "rubric.yaml"))


def test_overall_is_95_05(result) -> None:  # type: ignore[no-untyped-def]
    assert result.score == 95.05


def test_category_table(result) -> None:  # type: ignore[no-untyped-def]
    got = {c.id: (c.score, c.points_needed, c.weighted_impact) for c in result.categories}
    assert got == {k: tuple(float(x) for x in v) for k, v in EXPECTED.items()}


def test_priority_is_by_weighted_impact_not_the_seeds_claim(result) -> None:  # type: ignore[no-untyped-def]
    ranked = sorted(result.categories, key=lambda c: c.rank)
    assert [c.id for c in ranked[:3]] == ["database", "memory", "scalability"]
    assert result.roadmap[0].category == "database"
    assert result.roadmap[0].gain == 1.25
    assert [i.category for i in result.roadmap] == [
        "database",
        "memory",
        "scalability",
        "response_time",
        "caching",
        "monitoring",
        "error_handling",
    ]


def test_phases_progress_to_100(result) -> None:  # type: ignore[no-untyped-def]
    progression = [p.projected_score for p in result.phases]
    assert progression == [96.35, 99.8, 100.0]
    assert sum(p.gain for p in result.phases) == pytest.approx(100 - 95.05, abs=0.011)


def test_terminal_output_shows_the_seed_table() -> None:
    res = perfscore("score", str(SEED / "run.json"), "--rubric", str(SEED / "rubric.yaml"))
    assert res.code == 0, res.err
    assert "95.05/100" in res.out
    for needed, impact in (("+5.00", "+1.25"), ("+8.00", "+1.20"), ("+10.00", "+1.00"), ("+6.00", "+0.30")):
        assert needed in res.out and impact in res.out
    assert res.out.index("Add read replicas") < res.out.index("Load-balance across app servers")


def test_json_output_has_the_contract_fields() -> None:
    res = perfscore("score", str(SEED / "run.json"), "--rubric", str(SEED / "rubric.yaml"), "--format", "json")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["score"] == 95.05
    cat = doc["categories"][0]
    assert {"id", "title", "weight", "score", "points_needed", "weighted_impact", "metrics"} <= set(cat)
    assert {"id", "value", "unit", "score", "status", "target"} <= set(cat["metrics"][0])
    item = doc["roadmap"][0]
    assert {"category", "metric", "gain", "title", "action", "effort", "phase"} <= set(item)
    assert (item["category"], item["gain"]) == ("database", 1.25)


@pytest.mark.parametrize(("threshold", "code"), [("96", 1), ("95", 0), ("95.05", 0), ("95.06", 1)])
def test_fail_under_gate(threshold: str, code: int) -> None:
    res = perfscore(
        "score",
        str(SEED / "run.json"),
        "--rubric",
        str(SEED / "rubric.yaml"),
        "--fail-under",
        threshold,
        "--format",
        "json",
    )
    assert res.code == code, res.err
    assert json.loads(res.out)["score"] == 95.05
