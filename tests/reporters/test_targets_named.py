"""Every report names the targets the score was judged by, apart from the rubric's name."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from perfscore.artifacts import Artifacts
from perfscore.artifacts.slo import SloSnapshot
from perfscore.reporters import render
from perfscore.rubric import load_rubric
from perfscore.run import Run
from perfscore.scoring import score_run

RUBRIC = load_rubric()
MINE = score_run(Run(artifacts=Artifacts(slo=SloSnapshot(peak_rps=50, concurrent_users=200, custom=True))), RUBRIC)
SEED = score_run(Run(artifacts=Artifacts()), RUBRIC)
YOURS = "your SLO — 50 req/s, 200 users, p95 200 ms, p99 500 ms, errors < 0.1 %"
DEFAULT = "LoanFlow KPIs (default; set slo: in your config) — 1,000 req/s, 5,000 users"


def _text(fmt: str, result: object) -> str:
    out = render(result, fmt)  # type: ignore[arg-type]
    if fmt == "html":
        out = re.sub(r"<[^>]+>", "", out)
    return unescape(out) if fmt != "terminal" else out  # Markdown writes < as &lt;, as HTML does


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
def test_the_report_says_which_targets(fmt: str) -> None:
    mine, seed = _text(fmt, MINE), _text(fmt, SEED)
    assert f"Targets: {YOURS}" in mine and "LoanFlow KPIs" not in mine
    assert f"Targets: {DEFAULT}" in seed and "your SLO" not in seed
    assert "loanflow" in mine  # the rubric is still named, apart


def test_the_json_result_carries_the_targets() -> None:
    doc = json.loads(render(MINE, "json"))
    assert doc["targets"] == {
        "source": "slo",
        "summary": YOURS,
        "peak_rps": 50.0,
        "concurrent_users": 200,
        "p95_ms": 200.0,
        "p99_ms": 500.0,
        "error_rate": 0.001,
    }
    assert json.loads(render(SEED, "json"))["targets"]["source"] == "default"


def test_the_throughput_row_shows_the_slos_target() -> None:
    row = next(m for c in MINE.categories for m in c.metrics if m.id == "load.max_throughput")
    assert row.target == 50
