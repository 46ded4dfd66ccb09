"""Broken run files exit 2 with a message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SEED, assert_clean_error, perfscore

GOOD = (SEED / "run.json").read_text()


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("this is not json", ["not valid json"]),
        (GOOD[: len(GOOD) // 2], ["truncated"]),
        ("[1, 2, 3]", ["json object"]),
        (json.dumps({"measurements": [{"metric": "x.y", "value": "fast"}]}), ["measurements.0.value"]),
        (json.dumps({"measurements": "nope"}), ["measurements"]),
        (json.dumps({"measurements": [{"metric": "x.y"}]}), ["has no value"]),
        (json.dumps({"schema_version": 99, "measurements": []}), ["schema_version 99"]),
    ],
    ids=[
        "not-json",
        "truncated",
        "wrong-top-level",
        "wrong-value-type",
        "wrong-shape",
        "measured-no-value",
        "future-version",
    ],
)
def test_broken_run_exits_2(tmp_path: Path, content: str, needles: list[str]) -> None:
    path = tmp_path / "run.json"
    path.write_text(content)
    res = perfscore("score", str(path), "--rubric", str(SEED / "rubric.yaml"))
    assert_clean_error(res, 2, *needles)


def test_missing_run_file(tmp_path: Path) -> None:
    assert_clean_error(perfscore("score", str(tmp_path / "none.json")), 2, "does not exist")


def test_unknown_format_and_bad_threshold() -> None:
    assert_clean_error(perfscore("score", str(SEED / "run.json"), "--format", "pdf"), 2, "'pdf' is not one of")
    assert_clean_error(perfscore("score", str(SEED / "run.json"), "--fail-under", "120"), 2, "between 0 and 100")
