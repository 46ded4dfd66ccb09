from __future__ import annotations

from pathlib import Path

import pytest

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


def test_a_rubric_read_again_in_one_process_follows_every_change_to_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files are read once per process and kept while their bytes stay the same: a change of the same
    size within the same millisecond, in the file or in the one it extends, is read all the same."""
    from perfscore import sanitize

    monkeypatch.setattr(sanitize, "_known", [])  # the secret below stays this test's
    base = tmp_path / "base.yaml"
    base.write_text("extends: default\nname: base\nmetrics:\n  http.p95_latency:\n    target: 150\n")
    over = tmp_path / "team.yaml"
    over.write_text("extends: base.yaml\nname: team-a\n")
    first = load_rubric(over)
    again = load_rubric(over)
    assert again == first and again is not first  # a new Rubric each call
    over.write_text("extends: base.yaml\nname: team-b\n")  # same size, at once
    assert load_rubric(over).name == "team-b"
    base.write_text("extends: default\nname: base\nmetrics:\n  http.p95_latency:\n    target: 160\n")
    assert load_rubric(over).metrics["http.p95_latency"].target == 160
    over.write_text("extends: base.yaml\nname: team-b-secret-9q\n")
    assert load_rubric(over).name == "team-b-secret-9q"
    sanitize.remember(["secret-9q"])  # a secret this process learned later is redacted from what was kept
    assert "secret-9q" not in load_rubric(over).name


def test_a_rubric_read_again_follows_a_retargeted_link_to_its_parent(tmp_path: Path) -> None:
    """A parent reached through a symlink (``current -> v1.yaml``) is the link's new target once it moves."""
    for version, target in (("v1", 150), ("v2", 175)):
        (tmp_path / f"{version}.yaml").write_text(
            f"extends: default\nname: {version}\nmetrics:\n  http.p95_latency:\n    target: {target}\n"
        )
    (tmp_path / "current.yaml").symlink_to(tmp_path / "v1.yaml")
    team = tmp_path / "team.yaml"
    team.write_text("extends: current.yaml\nname: team\n")
    assert load_rubric(team).metrics["http.p95_latency"].target == 150
    (tmp_path / "current.yaml").unlink()
    (tmp_path / "current.yaml").symlink_to(tmp_path / "v2.yaml")
    assert load_rubric(team).metrics["http.p95_latency"].target == 175
