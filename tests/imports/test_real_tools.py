"""Real JMeter and Locust against the reference stack (issue 16): their results scored as perfscore's own.

JMeter is Debian's package (2.13, run through tests/imports/fixtures/JMeterShim.java); Locust is the PyPI
package of the `locust` extra. Both write their files here; nothing is a fixture.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from perfscore.imports import read_results
from perfscore.load.locust_engine import locustfile
from perfscore.loadmodel import Endpoint, LoadSpec
from tests.conftest import perfscore
from tests.imports import jmeter
from tests.stack.fixtures import AUDIT_CONFIG, PORTS

pytestmark = [pytest.mark.stack, pytest.mark.integration]


def metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def config(tmp: Path, **load: Any) -> Path:
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"]["duration_s"] = 3
    cfg["audit"]["load"]["scalability"] = False
    cfg["audit"]["load"].update(load)
    path = tmp / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_audit_with_jmeter_as_the_window_and_xml_import(stack: Path, tmp_path: Path) -> None:
    shim = jmeter.compiled(tmp_path)
    jtl = tmp_path / "results.jtl"
    run = jmeter.command(shim, jtl, f"-Jport={PORTS['http']}", "-Jseconds=3")
    res = perfscore(
        "audit", "--config", str(config(tmp_path)), "--load-results", str(jtl), "--load-command", jmeter.shell(run),
        "-f", "json", "--no-history", timeout=300,
    )  # fmt: skip
    assert res.code in (0, 1), res.err
    doc = json.loads(res.out)
    samples = sum(1 for _ in jtl.open()) - 1  # the header line
    assert f"window: {samples:,} requests from JMeter CSV JTL results.jtl" in res.err
    # A full scorecard: every category measured, the response-time figures from JMeter's samples.
    assert all(c["score"] is not None for c in doc["categories"]), [c["id"] for c in doc["categories"]]
    p95 = metric(doc, "http.p95_latency")
    assert p95["status"] == "measured" and p95["evidence"]["requests"] == samples
    assert "JMeter" in p95["evidence"]["source"]
    assert metric(doc, "load.max_concurrency")["value"] == 8  # the plan's two levels, 2 and 8 threads
    assert metric(doc, "mysql.queries_per_request")["status"] == "measured"  # probes sampled during JMeter's run

    xml = tmp_path / "results.xml.jtl"
    subprocess.run(
        jmeter.command(
            shim, xml, f"-Jport={PORTS['http']}", "-Jseconds=3", "-Jjmeter.save.saveservice.output_format=xml"
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    imp = read_results("jmeter", [xml])
    assert imp.load.requests == xml.read_text().count("<httpSample") and imp.load.errors == 0
    assert set(imp.load.endpoints) == {"loan", "dashboard"} and [s.concurrency for s in imp.steps] == [2, 8]


def test_locust_cluster_counts_add_up_and_match_the_builtin_engine(
    stack: Path, tmp_path: Path, knob: Callable[..., None]
) -> None:
    knob(error_rate=0.1)  # 10 % of /api/ requests answer 500: both engines must see it
    url = f"http://127.0.0.1:{PORTS['http']}/api/loans/4242"
    figures = {}
    for engine in ("builtin", "locust"):
        res = perfscore("load", url, "-c", "8", "-d", "4s", "--engine", engine, "-f", "json", timeout=180)
        assert res.code == 0, res.err
        figures[engine] = json.loads(res.out)
    ours, theirs = figures["builtin"], figures["locust"]
    per_worker = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+", theirs["source"].split("per worker:")[1])]
    assert len(per_worker) == 2 and sum(per_worker) == theirs["requests"], theirs["source"]
    assert not any("the workers counted" in n for n in theirs["notes"])
    # Stated tolerance: the error rate within 3 points, p95 within 10 ms or half of the built-in's.
    assert abs(ours["error_rate"] - 0.1) < 0.03 and abs(theirs["error_rate"] - 0.1) < 0.03, (ours, theirs)
    assert theirs["status_counts"].get("500", 0) == theirs["errors"]  # failures by status, from _failures.csv
    p95, lp95 = ours["latency_ms"]["p95"], theirs["latency_ms"]["p95"]
    assert abs(lp95 - p95) <= max(10.0, 0.5 * p95), (p95, lp95)
    assert any("closed model" in n for n in theirs["notes"])


def test_locust_csv_import_of_a_real_run(stack: Path, tmp_path: Path, knob: Callable[..., None]) -> None:
    knob(error_rate=0.2)
    spec = LoadSpec(
        host="127.0.0.1", port=PORTS["http"], host_header=f"127.0.0.1:{PORTS['http']}",
        endpoints=[Endpoint(name="loan", path="/api/loans/4242", weight=3), Endpoint(name="home", path="/")],
    )  # fmt: skip
    (tmp_path / "locustfile.py").write_text(locustfile(spec))
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(tmp_path / "locustfile.py"), "--headless", "-u", "4", "-r", "4",
         "-t", "3s", "--host", f"http://127.0.0.1:{PORTS['http']}", "--csv", str(tmp_path / "run"), "--only-summary",
         "--exit-code-on-error", "0"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    stats = (tmp_path / "run_stats.csv").read_text().splitlines()
    total = next(line for line in stats if ",Aggregated," in line).split(",")
    res = perfscore("import", "locust", str(tmp_path / "run"), "-f", "json")
    assert res.code == 0, res.err
    window = metric(json.loads(res.out), "http.error_rate")
    assert window["evidence"]["requests"] == int(total[2])
    assert 0.1 < window["value"] < 0.3  # the knob's 20 % of /api/ requests (the home page never fails)
    imp = read_results("locust", [tmp_path / "run_stats.csv"])
    assert imp.load.status_counts.get("500") == imp.load.endpoints["GET loan"].errors > 0
    assert imp.load.endpoints["GET home"].errors == 0
