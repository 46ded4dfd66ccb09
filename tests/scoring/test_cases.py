"""Table-driven rubric cases: measurements in, scores out (tests/scoring/cases/*.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from perfscore.rubric import load_rubric
from perfscore.run import Measurement, Run
from perfscore.scoring import score_run

CASES = Path(__file__).parent / "cases"
RUBRIC = load_rubric(CASES / "_rubric.yaml")


def _cases() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(CASES.glob("*.yaml")) if not p.name.startswith("_")]


@pytest.mark.parametrize("path", _cases())
def test_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    run = Run(measurements=[Measurement(**m) for m in case["measurements"]])
    result = score_run(run, load_rubric(CASES / case["rubric"]) if "rubric" in case else RUBRIC)
    exp = case["expect"]
    if "score" in exp:
        assert result.score == pytest.approx(exp["score"], abs=0.005)
    for key in ("capped_at", "verdict"):
        if key in exp:
            assert getattr(result, key) == exp[key], key
    if "critical" in exp:
        assert [i.metric for i in result.roadmap if i.critical] == exp["critical"]
    if "phases" in exp:
        assert [[p.phase, p.name] for p in result.phases] == exp["phases"]
    for cid, score in exp.get("categories", {}).items():
        assert result.category(cid).score == pytest.approx(score, abs=0.005), cid
    metrics = {m.id: m for c in result.categories for m in c.metrics}
    for mid, status in exp.get("statuses", {}).items():
        assert metrics[mid].status == status, mid
    for mid, score in exp.get("metrics", {}).items():
        if score is None:
            assert metrics[mid].score is None
        else:
            assert metrics[mid].score == pytest.approx(score, abs=1e-4), mid
    if "not_measured" in exp:
        assert [n.metric for n in result.not_measured] == exp["not_measured"]
    if "insufficient" in exp:
        assert [n.metric for n in result.insufficient] == exp["insufficient"]
    if "roadmap_order" in exp:
        assert [i.metric for i in result.roadmap] == exp["roadmap_order"]
    if exp.get("roadmap") == []:
        assert result.roadmap == []
    for cid in exp.get("unmeasured_categories", []):
        assert result.category(cid).measured is False
        assert result.category(cid).priority == "Not measured"
