"""The standing adversarial count: a run that includes tests/hostile ends with how many attacks were tried
and how many held (issue #29)."""

from __future__ import annotations

from typing import Any

HERE = "tests/hostile/"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    outcomes: dict[str, bool] = {}  # test id -> held (a failure in any phase, setup included, is not)
    for key in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(key, []):
            nodeid = getattr(report, "nodeid", "")
            if not nodeid.startswith(HERE):
                continue
            held = key == "passed" and outcomes.get(nodeid, True)
            outcomes[nodeid] = held and outcomes.get(nodeid, True)
    if outcomes:
        held = sum(outcomes.values())
        terminalreporter.write_line(f"hostile: {len(outcomes)} cases tried / {held} held")
