"""Broken rubrics exit 2 with a message naming the problem, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEED, assert_clean_error, perfscore

GOOD = (SEED / "rubric.yaml").read_text()


def _write(tmp_path: Path, content: str | bytes, name: str = "rubric.yaml") -> Path:
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content)
    return p


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("", ["empty"]),
        (GOOD[: len(GOOD) // 2] + "\n  - [unclosed", ["not valid yaml", ":"]),
        (
            GOOD.replace("weight: 25}", "weight: -25}"),
            ["categories.database.weight", "greater than or equal to 0"],
        ),
        (GOOD.replace("weight: 25}", "weight: lots}"), ["categories.database.weight", "number"]),
        (GOOD.replace("weight: 25}", "weight: 20}"), ["sum to 100", "95"]),
        (
            GOOD.replace("type: linear, points: [[20, 1.0]", "type: cubic, points: [[20, 1.0]", 1),
            ["metrics.mysql.query_p95_latency.curve", "cubic"],
        ),
        (GOOD.replace("category: caching", "category: cachng"), ["unknown category", "cachng"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary junk", ["binary"]),
        (b"\xff\xfe garbage \xfa", ["utf-8"]),
        ("- just\n- a list\n", ["mapping"]),
    ],
    ids=[
        "empty",
        "truncated",
        "negative-weight",
        "non-numeric-weight",
        "weights-not-100",
        "unknown-curve",
        "unknown-category",
        "binary",
        "not-utf8",
        "not-a-mapping",
    ],
)
def test_broken_rubric_exits_2(tmp_path: Path, content: str | bytes, needles: list[str]) -> None:
    path = _write(tmp_path, content)
    res = perfscore("rubric", "validate", str(path))
    assert_clean_error(res, 2, str(path), *needles)
    res = perfscore("score", str(SEED / "run.json"), "--rubric", str(path))
    assert_clean_error(res, 2, *needles)


def test_error_names_the_line(tmp_path: Path) -> None:
    bad = GOOD.replace("weight: 25}", "weight: -25}")
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "weight: -25" in text)
    res = perfscore("rubric", "validate", str(_write(tmp_path, bad)))
    assert f"rubric.yaml:{line}:" in res.err


def test_missing_rubric_file(tmp_path: Path) -> None:
    res = perfscore("rubric", "validate", str(tmp_path / "nope.yaml"))
    assert_clean_error(res, 2, "does not exist")


def test_valid_rubric_passes() -> None:
    res = perfscore("rubric", "validate", str(SEED / "rubric.yaml"))
    assert res.code == 0 and "7 categories" in res.out


@pytest.mark.parametrize(
    ("overlay", "needles"),
    [
        (  # a validity rule that invalidates the metric its cap tests would switch the cap off
            "validity:\n  - when: {metric: http.error_rate, above: 0.05}\n"
            "    invalidates: [http.error_rate]\n    reason: x\n",
            ["validity[0] invalidates http.error_rate", "switch that rule off"],
        ),
        (
            "caps:\n  - when: {metric: http.not_throttled, above: 0.5}\n    max_score: 20\n    verdict: x\n",
            ["caps[0].when tests http.not_throttled", "equals: true or false"],
        ),
        (
            "caps:\n  - when: {metric: http.error_rate, equals: true}\n    max_score: 20\n    verdict: x\n",
            ["caps[0].when tests http.error_rate", "a number"],
        ),
        ("caps:\n  - when: {metric: http.error_rate, above: .nan}\n    max_score: 20\n    verdict: x\n", ["finite"]),
        ("caps:\n  - when: {metric: http.error_rate, above: 0.5}\n    max_score: '20'\n    verdict: x\n", ["number"]),
        ("caps:\n  - when: {metric: http.error_rate, above: 0.5}\n    max_score: 20\n    verdict: ''\n", ["verdict"]),
        (
            "caps:\n  - when: {metric: no.such_metric, above: 0.5}\n    max_score: 20\n    verdict: x\n",
            ["no.such_metric"],
        ),
        (
            "caps:\n  - when: {metric: http.error_rate, above: 0.5, below: 0.9}\n    max_score: 20\n    verdict: x\n",
            ["exactly one of above, below or equals"],
        ),
    ],
)
def test_bad_validity_rules_and_caps_are_rubric_errors(tmp_path: Path, overlay: str, needles: list[str]) -> None:
    path = _write(tmp_path, "extends: default\n" + overlay)
    assert_clean_error(perfscore("rubric", "validate", str(path)), 2, *needles)
