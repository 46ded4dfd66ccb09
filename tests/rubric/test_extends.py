from __future__ import annotations

from pathlib import Path

from perfscore.rubric import load_rubric
from tests.conftest import assert_clean_error, perfscore


def test_override_file_tunes_one_threshold(tmp_path: Path) -> None:
    over = tmp_path / "team.yaml"
    over.write_text(
        "extends: default\n"
        "name: team\n"
        "metrics:\n"
        "  http.p95_latency:\n"
        "    target: 150\n"
        "  redis.latency_monitor: null   # we do not use it\n"
    )
    base, rub = load_rubric(), load_rubric(over)
    assert rub.name == "team"
    assert rub.metrics["http.p95_latency"].target == 150
    assert rub.metrics["http.p95_latency"].curve == base.metrics["http.p95_latency"].curve
    assert "redis.latency_monitor" not in rub.metrics
    assert len(rub.metrics) == len(base.metrics) - 1


def test_override_errors_point_into_the_override(tmp_path: Path) -> None:
    over = tmp_path / "team.yaml"
    over.write_text("extends: default\ncategories:\n  database:\n    weight: 30\n")
    res = perfscore("rubric", "validate", str(over))
    assert_clean_error(res, 2, "sum to 100")
    assert "team.yaml:" in res.err


def test_extends_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    assert_clean_error(perfscore("rubric", "validate", str(tmp_path / "a.yaml")), 2, "loops")
