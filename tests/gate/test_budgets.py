"""Budgets (issue 26): a limit on any metric of the run, --assert or gate.budgets, error or warn."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from perfscore import gate_expr
from perfscore.config import load_config
from tests.conftest import SEED, assert_clean_error, perfscore

RUN, RUBRIC = str(SEED / "run.json"), str(SEED / "rubric.yaml")


def seed_value(metric: str) -> float:
    doc = json.loads((SEED / "run.json").read_text())
    return float(next(m["value"] for m in doc["measurements"] if m["metric"] == metric))


def score(*args: str):  # type: ignore[no-untyped-def]
    return perfscore("score", RUN, "-r", RUBRIC, *args)


def test_a_level_is_written_after_the_rule() -> None:
    e = gate_expr.parse_with_level("http.error_rate<0.1%:warn")
    assert e is not None and (e.metric, e.level, e.text) == ("http.error_rate", "warn", "http.error_rate<0.1%")
    assert e.limit == pytest.approx(0.001)
    assert gate_expr.parse_with_level("http.p95_latency<100ms").level == "error"  # type: ignore[union-attr]
    assert gate_expr.parse_with_level("http.p95_latency<100ms:error").level == "error"  # type: ignore[union-attr]
    assert gate_expr.parse_with_level("http.p95_latency<100ms:loud") is None


def test_an_error_budget_over_its_limit_fails_the_gate_in_every_format(tmp_path: Path) -> None:
    p95 = seed_value("http.p95_latency")  # 240 ms in the seed run
    below = f"http.p95_latency<{p95 / 2:g}ms"
    res = score("--assert", below, "-f", "json")
    assert res.code == 1, res.err
    assert f"gate failed: budget {below}" in res.err and f"{p95:g} ms" in res.err
    gate = json.loads(res.out)["gate"]
    assert gate == [
        {
            "name": f"budget {below}",
            "passed": False,
            "level": "error",
            "message": f"http.p95_latency {p95:g} ms, budget < {p95 / 2:g}ms: not met",
        }
    ]
    outs = {ext: tmp_path / f"r.{ext}" for ext in ("xml", "md", "txt", "html")}
    res = score("--assert", below, *[x for p in outs.values() for x in ("-o", str(p))])
    assert res.code == 1
    junit = ET.fromstring(outs["xml"].read_bytes())
    failure = junit.find(".//testcase[@name='budget " + below + "']/failure")
    assert failure is not None and "not met" in failure.get("message", "") and junit.get("failures") == "1"
    md = outs["md"].read_text()
    assert md.startswith("## ❌ perfscore gate failed: budget http.p95\\_latency") and "❌ FAIL" in md
    assert f"Gate budget {below}: FAIL" in outs["txt"].read_text()
    assert "gate-fail" in outs["html"].read_text()
    gh = score("--assert", below, "-f", "github")
    assert "::error title=perfscore gate%3A budget http.p95_latency<" in gh.out
    # The same budget met passes.
    assert score("--assert", f"http.p95_latency<={p95:g}ms", "--assert", "http.p95_latency<1s").code == 0


def test_a_warn_budget_is_reported_everywhere_and_never_fails(tmp_path: Path) -> None:
    rate = seed_value("http.error_rate")  # 0.3 %
    rule = f"http.error_rate<{rate * 100 / 3:g}%"
    res = score("--assert", f"{rule}:warn", "-f", "json")
    assert res.code == 0, res.err
    assert f"gate warning: budget {rule}" in res.err and "gate failed" not in res.err
    (check,) = json.loads(res.out)["gate"]
    assert (check["passed"], check["level"]) == (False, "warn")
    gh = score("--assert", f"{rule}:warn", "-f", "github").out
    assert "::warning title=perfscore budget%3A budget http.error_rate<" in gh
    assert "::error" not in gh and "gate passed" in gh.splitlines()[-1]
    md = score("--assert", f"{rule}:warn", "-f", "markdown").out
    assert md.startswith("## ✅ perfscore gate passed") and "⚠️ warn" in md
    assert f"Gate budget {rule}: WARN" in score("--assert", f"{rule}:warn", "-f", "terminal").out
    junit = ET.fromstring(score("--assert", f"{rule}:warn", "-f", "junit").out)
    case = junit.find(f".//testcase[@name='budget {rule}']")
    assert case is not None and case.find("failure") is None and junit.get("failures") == "0"
    assert "warning" in (case.findtext("system-out") or "")


def test_an_unmeasured_metric_fails_an_error_budget_saying_not_measured(tmp_path: Path) -> None:
    doc = json.loads((SEED / "run.json").read_text())
    for m in doc["measurements"]:
        if m["metric"] == "http.p95_latency":
            m.update(value=None, status="unavailable", reason="connection refused")
    run = tmp_path / "run.json"
    run.write_text(json.dumps(doc))
    res = perfscore("score", str(run), "-r", RUBRIC, "--assert", "http.p95_latency<100ms")
    assert res.code == 1
    assert "http.p95_latency not measured (unavailable): connection refused" in res.err
    warned = perfscore("score", str(run), "-r", RUBRIC, "--assert", "http.p95_latency<100ms:warn")
    assert warned.code == 0 and "not measured" in warned.err


@pytest.mark.parametrize(
    ("rule", "needles"),
    [
        ("http.p95_latncy<100ms", ["unknown metric 'http.p95_latncy'", "did you mean http.p95_latency"]),
        ("http.error_rate<1", ["ratio from 0 to 1", "1%"]),  # read as a ratio, it passes at 99 % errors
        ("http.error_rate<1ms", ["http.error_rate is a ratio", "'ms'"]),
        ("http.p95_latency<5%", ["in ms", "'%'"]),
        ("http.p95_latency<100ms:loud", ["expected METRIC OP VALUE"]),
    ],
)
def test_a_budget_that_cannot_be_judged_is_a_usage_error(rule: str, needles: list[str]) -> None:
    assert_clean_error(score("--assert", rule), 2, *needles)


def test_config_budgets_are_checked_before_any_probe_and_an_assert_replaces_them(tmp_path: Path) -> None:
    cfg = tmp_path / "perfscore.yaml"
    cfg.write_text(
        "target: {base_url: 'http://127.0.0.1:9'}\n"
        "gate:\n  budgets:\n    - {metric: http.p95_latencyy, budget: '<100ms'}\n"
    )
    res = perfscore("audit", "--config", str(cfg), "--no-history")
    assert_clean_error(res, 2, "gate.budgets[0]", "did you mean http.p95_latency")
    assert "window" not in res.err  # nothing was probed
    cfg.write_text("target: {base_url: 'http://127.0.0.1:9'}\ngate:\n  budgets:\n    - {metric: x, budget: 'soon'}\n")
    assert_clean_error(perfscore("audit", "--config", str(cfg), "--no-history"), 2, "budget")

    from perfscore.gate import GateOptions
    from perfscore.rubric import load_rubric

    cfg.write_text(
        "gate:\n  budgets:\n"
        "    - {metric: http.p95_latency, budget: '<100ms'}\n"
        "    - {metric: http.error_rate, budget: '<0.1%', level: warn}\n"
    )
    units = {mid: m.unit for mid, m in load_rubric(None).metrics.items()}
    gate = GateOptions(asserts=("http.p95_latency<1s",)).with_config(load_config(cfg).gate)
    got = [(e.metric, e.limit, e.level) for e in gate.budgets(units)]
    assert got == [("http.p95_latency", 1000.0, "error"), ("http.error_rate", pytest.approx(0.001), "warn")]


def test_init_writes_a_budgets_example_that_is_valid_once_uncommented(tmp_path: Path) -> None:
    path = tmp_path / "perfscore.yaml"
    assert perfscore("init", str(path)).code == 0
    text = path.read_text()
    assert "  # budgets:" in text
    text = text.replace("  # budgets:", "  budgets:").replace("  #   - {metric:", "    - {metric:")
    path.write_text(text)
    budgets = load_config(path).gate.budgets
    assert [(b.metric, b.level) for b in budgets] == [("http.p95_latency", "error"), ("http.error_rate", "warn")]
