"""The CI gate: floors, baselines, compare, and history."""

from __future__ import annotations

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SEED, assert_clean_error, perfscore

RUBRIC = str(SEED / "rubric.yaml")


def worse_run(tmp_path: Path) -> Path:
    doc = json.loads((SEED / "run.json").read_text())
    for m in doc["measurements"]:
        if m["metric"] == "mysql.query_p95_latency":
            m["value"] = 70  # was 25 ms
        if m["metric"] == "redis.hit_ratio":
            m["value"] = 0.80  # was 0.94
    path = tmp_path / "worse.json"
    path.write_text(json.dumps(doc))
    return path


def test_category_floor(tmp_path: Path) -> None:
    res = perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "--fail-under", "database=96", "-f", "json")
    assert res.code == 1 and "database 95.00 < 96" in res.err
    res = perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "--fail-under", "database=95")
    assert res.code == 0
    assert_clean_error(
        perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "--fail-under", "nope=5"), 2, "unknown category"
    )


def test_baseline_regression(tmp_path: Path) -> None:
    worse = worse_run(tmp_path)
    res = perfscore("score", str(worse), "-r", RUBRIC, "--baseline", str(SEED / "run.json"), "--max-drop", "1")
    assert res.code == 1
    assert "mysql.query_p95_latency" in res.err and "redis.hit_ratio" in res.err
    res = perfscore("score", str(worse), "-r", RUBRIC, "--baseline", str(SEED / "run.json"), "--max-drop", "50")
    assert res.code == 0


def test_compare(tmp_path: Path) -> None:
    worse = worse_run(tmp_path)
    res = perfscore("compare", str(SEED / "run.json"), str(worse), "-r", RUBRIC)
    assert res.code == 1
    assert "mysql.query_p95_latency" in res.out and "redis.hit_ratio" in res.out
    assert "regressed: mysql.query_p95_latency" in res.err
    same = perfscore("compare", str(SEED / "run.json"), str(SEED / "run.json"), "-r", RUBRIC)
    assert same.code == 0, same.err
    # a saved JSON result compares like a run
    result = tmp_path / "result.json"
    perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "-f", "json", "-o", str(result))
    res = perfscore("compare", str(result), str(worse), "-r", RUBRIC, "-f", "json")
    doc = json.loads(res.out)
    assert res.code == 1 and doc["passed"] is False
    assert [r["metric"] for r in doc["regressed"]] == ["mysql.query_p95_latency", "redis.hit_ratio"]


def test_history_keeps_every_run(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    for _ in range(2):
        assert perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "--history", str(db)).code == 0
    res = perfscore("history", "--history", str(db), "-f", "json")
    rows = json.loads(res.out)
    assert len(rows) == 2 and all(r["score"] == 95.05 for r in rows)
    text = perfscore("history", "--history", str(db))
    assert "2 audits" in text.out
    html = tmp_path / "r.html"
    perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "--history", str(db), "-f", "html", "-o", str(html))
    assert "Trend over earlier audits" in html.read_text()


WRITER = """
import sys, time
from pathlib import Path
from perfscore.history import record
from perfscore.rubric import load_rubric
from perfscore.run import load_run
from perfscore.scoring import score_run
r = score_run(load_run(Path(sys.argv[2])), load_rubric(Path(sys.argv[3])))
print("ready", flush=True)
while True:
    record(Path(sys.argv[1]), r)
"""


def test_history_survives_a_writer_killed_mid_write(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    p = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(SEED / "run.json"), RUBRIC], stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # killed once it has written some rows, mid-way through the next
        with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(db, timeout=1)) as c:
            if c.execute("SELECT COUNT(*) FROM audits").fetchone()[0] >= 5:
                break
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = conn.execute("SELECT COUNT(*) FROM audits").fetchone()[0]
    conn.close()
    assert n > 0
    rows = json.loads(perfscore("history", "--history", str(db), "--limit", "100000", "-f", "json").out)
    assert len(rows) == n
    assert perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "--history", str(db)).code == 0


def test_corrupt_history_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    db.write_bytes(b"this is not sqlite" * 100)
    assert_clean_error(perfscore("history", "--history", str(db)), 2, "corrupt")
    assert_clean_error(perfscore("score", str(SEED / "run.json"), "-r", RUBRIC, "--history", str(db)), 2, "corrupt")
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    assert_clean_error(perfscore("history", "--history", str(other)), 2, "not a perfscore history")


FIXTURES = Path(__file__).parent.parent / "fixtures"


def exposed_run(tmp_path: Path) -> Path:
    """The reference stack's saved run, with a served .env added to its artifacts (re-derived when scored)."""
    doc = json.loads((FIXTURES / "run-v2-reference-stack.json").read_text())
    doc["artifacts"]["exposure"] = {
        "checks": [
            {"path": "/.env", "status": 200, "bytes": 120, "kinds": ["secrets in an environment file"]},
            {"path": "/.git/HEAD", "status": 404},
        ]
    }
    path = tmp_path / "exposed.json"
    path.write_text(json.dumps(doc))
    return path


def test_fail_on_critical_fails_on_a_critical_finding_only(tmp_path: Path) -> None:
    exposed = str(exposed_run(tmp_path))
    healthy = str(FIXTURES / "run-v2-reference-stack.json")
    assert perfscore("score", exposed).code == 0  # no gate asked for, none applied
    res = perfscore("score", exposed, "--fail-on", "critical", "-f", "json")
    assert res.code == 1, res.err
    assert "gate failed: critical: " in res.err and "http.no_exposed_files" in res.err, res.err
    gate = json.loads(res.out)["gate"]
    assert [c["name"] for c in gate if not c["passed"]] == ["critical"], gate
    ok = perfscore("score", healthy, "--fail-on", "critical", "-f", "json")
    assert ok.code == 0, ok.err
    assert {"name": "critical", "passed": True, "message": "no critical finding", "level": "error"} in json.loads(
        ok.out
    )["gate"]


def test_fail_on_none_and_bad_values(tmp_path: Path) -> None:
    exposed = str(exposed_run(tmp_path))
    assert perfscore("score", exposed, "--fail-on", "critical", "--fail-on", "none").code == 0
    assert_clean_error(perfscore("score", exposed, "--fail-on", "secrets"), 2, "choose critical or none")
    assert_clean_error(perfscore("audit", "--url", "http://127.0.0.1:9", "--fail-on", "x"), 2, "choose critical")


def test_gate_fail_on_in_the_config_is_parsed_and_checked(tmp_path: Path) -> None:
    from perfscore.config import load_config

    cfg = tmp_path / "p.yaml"
    cfg.write_text("target: {base_url: 'http://127.0.0.1:9'}\ngate: {fail_on: [critical]}\n")
    assert load_config(cfg).gate.fail_on == ["critical"]
    cfg.write_text("target: {base_url: 'http://127.0.0.1:9'}\ngate: {fail_on: [secrets]}\n")
    res = perfscore("audit", "--config", str(cfg))
    assert_clean_error(res, 2, "gate.fail_on")
