"""The reference stack audited against a small site's SLO: every absolute target follows it (issue 25).

Cheap by construction: a 3 s window and the ramp the SLO derives (1, 4, 16, 50 users, 0.6 s a step)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import perfscore
from tests.stack.fixtures import AUDIT_CONFIG, Audited

pytestmark = [pytest.mark.stack, pytest.mark.slow]

SLO = {"peak_rps": 20, "concurrent_users": 50}


def _metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


@pytest.fixture(scope="module")
def small_site(stack: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    where = tmp_path_factory.mktemp("slo-audit")
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["slo"] = SLO
    cfg["audit"]["duration_s"] = 3
    load = cfg["audit"]["load"]
    for key in ("ramp", "slo_p95_ms", "slo_error_rate"):  # the stack's config spells the seed's: derive them
        load.pop(key, None)
    load.update({"scalability": True, "step_s": 0.6})
    config = where / "perfscore.yaml"
    config.write_text(yaml.safe_dump(cfg))
    res = perfscore(
        "audit", "--config", str(config), "-f", "json", "--no-history",
        "-o", str(where / "result.json"), "-o", str(where / "report.md"),
        "-o", str(where / "report.html"), "--save-run", str(where / "run.json"),
        timeout=240,
    )  # fmt: skip
    assert res.code in (0, 1), res.err
    assert "Traceback" not in res.err
    assert "up to 50 users" in res.err, res.err  # the ramp's top is the SLO's users
    return json.loads((where / "result.json").read_text()), where


def test_throughput_concurrency_and_cpu_follow_the_slo(small_site: tuple[dict[str, Any], Path]) -> None:
    doc, _ = small_site
    assert doc["targets"]["source"] == "slo"
    assert (doc["targets"]["peak_rps"], doc["targets"]["concurrent_users"]) == (20, 50)
    throughput = _metric(doc, "load.max_throughput")
    assert throughput["target"] == 20, throughput
    steps = [s["concurrency"] for s in throughput["evidence"]["steps"]]
    assert steps and steps == [1, 4, 16, 50][: len(steps)], steps  # the ramp derived from the SLO
    assert throughput["status"] == "measured" and throughput["meets_target"], throughput  # the stack serves 20 req/s
    assert _metric(doc, "load.max_concurrency")["target"] == 50
    assert _metric(doc, "mysql.peak_queries_per_second")["target"] == 200  # peak_rps × 10
    cpu = _metric(doc, "host.cpu_utilisation")
    assert cpu["status"] == "measured", cpu
    assert cpu["evidence"]["projected_to_rps"] == 20, cpu["evidence"]


def test_the_default_audit_is_judged_by_loanflows_kpis(healthy_audit: Audited) -> None:
    doc = healthy_audit.doc
    assert doc["targets"]["source"] == "default"  # type: ignore[index]
    assert _metric(doc, "load.max_throughput")["target"] == 1000
    assert _metric(doc, "load.max_concurrency")["target"] == 5000


def test_the_reports_name_the_targets(small_site: tuple[dict[str, Any], Path]) -> None:
    _, where = small_site
    said = "your SLO — 20 req/s, 50 users, p95 200 ms"
    assert f"Targets: {said}" in (where / "report.md").read_text()
    assert f"Targets: {said}" in (where / "report.html").read_text()
    rescored = perfscore("score", str(where / "run.json"), "-f", "json")  # the run keeps its SLO
    assert json.loads(rescored.out)["targets"]["peak_rps"] == 20
