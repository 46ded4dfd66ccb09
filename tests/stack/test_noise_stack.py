"""Three audits of the unchanged reference stack (issue 26): their spread is the noise the gate allows, so the
default gate (max_drop 2) passes every pair of them, and a real regression (200 ms more on every API
request) still fails it, naming the latency. Repeated audits: with the faults tier, after make test."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import perfscore
from tests.stack.fixtures import AUDIT_CONFIG

pytestmark = [pytest.mark.stack, pytest.mark.repeated, pytest.mark.slow]


def test_the_gate_passes_an_unchanged_stack_and_fails_a_slow_one(
    tmp_path: Path, stack: Path, knob: Callable[..., None]
) -> None:
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"]["duration_s"] = 2
    cfg["audit"]["load"]["scalability"] = False
    config = tmp_path / "perfscore.yaml"
    config.write_text(yaml.safe_dump(cfg))
    base = tmp_path / "baseline-run.json"
    res = perfscore("audit", "--config", str(config), "--runs", "3", "--save-run", str(base), "-f", "json",
                    "--no-history", timeout=300)  # fmt: skip
    assert res.code in (0, 1), res.err
    assert "noise: the score moved" in res.err, res.err[-1500:]
    noise: dict[str, Any] = json.loads(base.read_text())["noise"]
    assert noise["runs"] == 3 and noise["score_spread"] >= 0
    # Every pair of the three, and a fourth audit, against the baseline with the default allowance.
    runs = []
    for n in range(2):
        path = tmp_path / f"run{n}.json"
        again = perfscore("audit", "--config", str(config), "--save-run", str(path), "-f", "json", "--no-history")
        assert again.code in (0, 1), again.err
        runs.append(path)
    for path in runs:
        gate = perfscore("score", str(path), "--baseline", str(base), "--max-drop", "2", "-f", "json")
        assert "gate failed: regression" not in gate.err, gate.err
    knob(latency_ms=200)
    slow = perfscore("audit", "--config", str(config), "--baseline", str(base), "--max-drop", "2", "-f", "json",
                     "--no-history")  # fmt: skip
    assert slow.code == 1 and "gate failed: regression" in slow.err, slow.err[-1500:]
    assert "http.p95_latency" in slow.err or "http.mean_latency" in slow.err, slow.err[-1500:]
