"""Markdown, JUnit, Prometheus and JSON outputs parse, carry the numbers and neutralise hostile text."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from prometheus_client.parser import text_string_to_metric_families

from perfscore.gate import evaluate
from perfscore.reporters import render
from perfscore.reporters.context import ReportContext
from perfscore.rubric import load_rubric
from perfscore.run import load_run
from perfscore.scoring import score_run
from tests.conftest import REPO, SEED
from tests.reporters.hostile import EVIL, hostile_result

SEED_RESULT = score_run(load_run(SEED / "run.json"), load_rubric(SEED / "rubric.yaml"))


def test_markdown_shows_score_and_tables() -> None:
    text = render(SEED_RESULT, "markdown")
    assert "95.05/100" in text
    assert "| Database performance | 25% | 95.00 | 100 | +5.00 | +1.25 | #1 High |" in text
    assert "### Roadmap" in text and "96.35 (phase 1)" in text


def test_markdown_neutralises_target_text() -> None:
    text = render(hostile_result(), "markdown")
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and "\x1b" not in text
    import re

    roadmap_rows = [ln for ln in text.splitlines() if re.match(r"^\| \d+ \| \+", ln)]
    assert roadmap_rows
    for row in roadmap_rows:  # a pipe in target text must not add a column
        assert len(re.findall(r"(?<!\\)\|", row)) == 7, row


def test_junit_has_a_testcase_per_metric_and_category_gate() -> None:
    rubric = load_rubric()
    result = hostile_result()
    checks = evaluate(result, fail_under=90, floors={"database": 95})
    xml = render(result, "junit", ctx=ReportContext(gate=checks))
    root = ET.fromstring(xml.encode())
    assert root.tag == "testsuites"
    cases = root.findall(".//testcase")
    metric_cases = [
        c for c in cases if c.get("classname", "").startswith("perfscore.") and c.get("classname") != "perfscore.gate"
    ]
    gate_cases = [c for c in cases if c.get("classname") == "perfscore.gate"]
    assert len(metric_cases) == len(rubric.metrics)
    assert {c.get("name") for c in gate_cases} >= {f"category {cid}" for cid in rubric.categories} | {"overall"}
    failing = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    # Only the gate fails (CI shows red tests only on a red build); metrics are information.
    assert set(failing) == {g.name for g in checks if not g.passed}
    assert "database" in failing["category database"].get("message", "")  # type: ignore[union-attr]
    by_name = {c.get("name"): c for c in metric_cases}
    below = by_name["mysql.full_scan_statements"]
    assert below.find("failure") is None and below.find("skipped") is None
    assert "below target" in (below.findtext("system-out") or "") and "score" in (below.findtext("system-out") or "")
    skipped = by_name["redis.hit_ratio"].find("skipped")
    assert skipped is not None and "not measured" in skipped.get("message", "")
    assert int(root.get("tests", "0")) == len(cases)
    assert int(root.get("failures", "0")) == len(failing)
    # A passing gate: no failure anywhere, whatever the metrics say.
    green = ET.fromstring(render(result, "junit", ctx=ReportContext(gate=evaluate(result, fail_under=0))).encode())
    assert green.get("failures") == "0" and not green.findall(".//failure")
    assert "\x1b" not in xml and "\x07" not in xml


def test_prometheus_text_parses() -> None:
    text = render(hostile_result(), "prometheus")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    # Quotes and markup round-trip exactly; terminal control bytes become spaces (a dashboard or a
    # `curl` of the textfile must not obey them).
    label = families["perfscore_score"].samples[0].labels["target"]
    assert label == "".join(ch if ch.isprintable() else " " for ch in EVIL) and "\x1b" not in label
    cats = {s.labels["category"]: s.value for s in families["perfscore_category_score"].samples}
    assert set(cats) == {
        "database",
        "caching",
        "memory",
        "response_time",
        "error_handling",
        "scalability",
        "monitoring",
    }


def test_json_carries_the_gate() -> None:
    checks = evaluate(SEED_RESULT, fail_under=96)
    doc = json.loads(render(SEED_RESULT, "json", ctx=ReportContext(gate=checks)))
    assert doc["score"] == 95.05
    assert doc["gate"] == [{"name": "overall", "passed": False, "message": "score 95.05 < 96", "level": "error"}]


def test_terminal_shows_hostile_text_without_obeying_it() -> None:
    text = render(hostile_result(), "terminal", color=True)
    assert "\x1b[31m\x07" not in text and "\x07" not in text
    assert "[a](b)" in text and "<script>" in text  # shown literally


def test_junit_skips_a_metric_reported_with_weight_zero() -> None:
    result = score_run(load_run(REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"), load_rubric())
    root = ET.fromstring(render(result, "junit").encode())
    case = next(c for c in root.findall(".//testcase") if c.get("name") == "mysql.peak_queries_per_second")
    skipped = case.find("skipped")
    assert case.find("failure") is None and skipped is not None
    assert "reported, not scored (weight 0)" in skipped.get("message", "")
