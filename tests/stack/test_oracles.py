"""perfscore beside the tools DBAs already run, on the reference stack (issue 29): Debian's percona-toolkit
(pt-duplicate-key-checker) and mysqltuner, installed by `make test-deps`.

Where the figures differ by design the test says why: perfscore's ratios are deltas over the audit's
window, MySQLTuner's are lifetime counters since the server started. Fed the lifetime counters, perfscore's
audits must give MySQLTuner's figures.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from perfscore.artifacts.mysql import MySQLSnapshot
from perfscore.audits import mysql as audits
from tests.conftest import perfscore
from tests.stack.fixtures import AUDIT_CONFIG, PORTS, STATE, Audited, secret

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(not shutil.which("pt-duplicate-key-checker"), reason="percona-toolkit is not installed"),
]


def _metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def _root():  # type: ignore[no-untyped-def]
    import pymysql

    return pymysql.connect(unix_socket=str(STATE / "run" / "mysql.sock"), user="root", autocommit=True)


def pt_duplicates() -> dict[tuple[str, str], str | None]:
    """(table, index) of every duplicate pt-duplicate-key-checker reports for loanflow, with its ALTER when
    it is a clustered-suffix one (the fix is to shorten, not to drop)."""
    out = subprocess.run(
        [
            "pt-duplicate-key-checker",
            f"h=127.0.0.1,P={PORTS['mysql']},u=perfscore,p={secret('mysql-perfscore')}",
            "--databases",
            "loanflow",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    found: dict[tuple[str, str], str | None] = {}
    table = ""
    for block in out.split("\n\n"):
        head = re.search(r"^# loanflow\.(\w+)\s*$", block, re.M)
        table = head.group(1) if head else table
        key = re.search(r"^# (?:Key )?(\w+) (?:is a duplicate of|is a left-prefix of|ends with a prefix)", block, re.M)
        if key:
            alter = re.search(r"^ALTER TABLE .*;$", block, re.M)
            shorten = "To shorten this duplicate clustered index" in block
            found[(table, key.group(1))] = alter.group(0) if alter and shorten else None
    return found


def perfscore_duplicates(doc: dict[str, Any]) -> dict[tuple[str, str], str | None]:
    found = _metric(doc, "mysql.redundant_indexes")["evidence"]["indexes"]
    return {(f["table"], f["index"]): f.get("alter") for f in found}


def mysql_only_audit(tmp_path: Path) -> dict[str, Any]:
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    config = {"mysql": cfg["mysql"], "audit": {"duration_s": 0.5}}
    path = tmp_path / "perfscore.yaml"
    path.write_text(yaml.safe_dump(config))
    res = perfscore("audit", "--config", str(path), "-f", "json", "--no-history")
    assert res.code in (0, 1), res.err
    import json

    doc: dict[str, Any] = json.loads(res.out)
    return doc


def test_redundant_indexes_are_pt_duplicate_key_checkers(healthy_audit: Audited) -> None:
    """The reference schema's (borrower_id, id) index ends with the primary key InnoDB appends anyway:
    both tools name it, with the same ALTER to shorten it."""
    theirs = pt_duplicates()
    assert ("loans", "idx_loans_borrower") in theirs, theirs
    assert perfscore_duplicates(healthy_audit.doc) == theirs


@pytest.fixture
def extra_duplicates() -> Iterator[None]:
    conn = _root()
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE loanflow.payments ADD INDEX idx_dup_loan (loan_id)")
        cur.execute(
            "ALTER TABLE loanflow.borrowers ADD INDEX idx_dup_last (last_name), ADD INDEX idx_dup_last2 (last_name)"
        )
    try:
        yield
    finally:
        with conn.cursor() as cur:
            cur.execute("ALTER TABLE loanflow.payments DROP INDEX idx_dup_loan")
            cur.execute("ALTER TABLE loanflow.borrowers DROP INDEX idx_dup_last, DROP INDEX idx_dup_last2")
        conn.close()


@pytest.mark.untimed
def test_added_duplicates_are_found_by_both(extra_duplicates: None, tmp_path: Path) -> None:
    theirs = pt_duplicates()
    ours = perfscore_duplicates(mysql_only_audit(tmp_path))
    assert ours == theirs, (ours, theirs)
    assert len(theirs) >= 3, theirs  # the clustered suffix and the two added ones (the exact pair counts once)


def _mysqltuner() -> str:
    return subprocess.run(
        [
            "mysqltuner",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORTS["mysql"]),
            "--user",
            "perfscore",
            "--passenv",
            "MT_PASS",
            "--nocolor",
            "--forcemem",
            "1024",
            # Only the server's status counters: no table, index, schema, password or host enumeration
            # (15 s of the suite's time on the reference stack, and nothing this test compares).
            *("--skipsize", "--skippassword", "--nodbstat", "--notbstat", "--nocolstat", "--noidxstat"),
            *("--nosysstat", "--nopfstat", "--noprocess"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"MT_PASS": secret("mysql-perfscore"), "PATH": "/usr/bin:/bin"},
    ).stdout  # MySQLTuner 2.x may die late in its report (a division by zero in its InnoDB section): read what came


@pytest.mark.skipif(not shutil.which("mysqltuner"), reason="mysqltuner is not installed")
def test_ratios_agree_with_mysqltuner_over_the_same_lifetime_counters(healthy_audit: Audited) -> None:
    """MySQLTuner judges counters since the server started; perfscore judges the audit's window, so the two
    figures differ on a server whose past is not its present. Given the lifetime counters, perfscore's audits
    give MySQLTuner's figures (it prints whole or two-decimal percentages)."""
    with _root().cursor() as cur:  # read just before MySQLTuner reads them (its own queries move them after)
        deadline = time.monotonic() + 10  # once the statements an earlier test left running have ended
        while time.monotonic() < deadline:
            cur.execute("SHOW GLOBAL STATUS LIKE 'Threads_running'")
            if int(cur.fetchone()[1]) <= 1:
                break
            time.sleep(0.1)
        cur.execute("SHOW GLOBAL STATUS")
        status = {str(k): str(v) for k, v in cur.fetchall()}
    report = _mysqltuner()
    zero = {k: "0" for k, v in status.items() if v.isdigit()}
    lifetime = MySQLSnapshot(status_before=zero, status_after=status, window_s=0)
    checks = {
        r"Aborted connections: ([\d.]+)%": audits.aborted_connects_ratio,
        r"Thread cache hit rate: ([\d.]+)%": audits.thread_cache_hit_ratio,
        r"Temporary tables created on disk: ([\d.]+)%": audits.tmp_disk_table_ratio,
        r"Slow queries: ([\d.]+)%": audits.slow_query_ratio,
    }
    compared = 0
    for pattern, fn in checks.items():
        m = re.search(pattern, report)
        if m is None:
            continue
        theirs = float(m.group(1))
        ours = fn(lifetime).value
        assert ours is not None, fn.__name__
        places = len(m.group(1).partition(".")[2])
        # MySQLTuner truncates to its printed places; its first queries may create a temporary table or two.
        assert abs(100 * float(ours) - theirs) <= 10**-places + 0.5, (fn.__name__, ours, m.group(0))
        compared += 1
    assert compared >= 3, report[-3000:]


def pt_query_digest(since: float, until: float) -> list[tuple[str, float, float]]:
    """pt-query-digest's classes over the server's slow log file between two times (the audit's window:
    the probes after it send requests too), by total query time: (example statement, total seconds, mean
    seconds), for the app's schema."""
    import json
    from datetime import datetime

    out = subprocess.run(
        [
            "pt-query-digest",
            "--output",
            "json",
            "--limit",
            "20",
            "--since",
            datetime.fromtimestamp(since).strftime("%Y-%m-%d %H:%M:%S"),
            "--until",
            datetime.fromtimestamp(until + 1).strftime("%Y-%m-%d %H:%M:%S"),  # the slow log's seconds: the last one
            "--filter",
            '($event->{db} || "") eq "loanflow"',
            str(STATE / "logs" / "mysql-slow.log"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    classes = json.loads(out)["classes"] if out.strip() else []
    ranked = [
        (c["example"]["query"], float(c["metrics"]["Query_time"]["sum"]), float(c["metrics"]["Query_time"]["avg"]))
        for c in classes
    ]
    return sorted(ranked, key=lambda c: -c[1])


def test_slow_statements_rank_as_pt_query_digest_ranks_them(
    tmp_path: Path,
    knob,  # type: ignore[no-untyped-def]
) -> None:
    """The same slow log, the same window: perfscore's slow statements (one per fingerprint, by total time)
    are pt-query-digest's classes in the same order, wherever their totals are not within 10 % of each other."""
    import json

    from perfscore.sqltext import normalize_sql

    knob(cache="off", missing_index="on")  # the schedule lookup scans: slow statements of the app's own
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"]["duration_s"] = 3
    cfg["audit"]["load"]["scalability"] = False
    cfg["mysql"]["queries"] = {}
    (tmp_path / "perfscore.yaml").write_text(yaml.safe_dump(cfg))
    run = tmp_path / "run.json"
    res = perfscore("audit", "--config", str(tmp_path / "perfscore.yaml"), "--save-run", str(run), "--no-history")
    assert res.code in (0, 1), res.err
    snap = json.loads(run.read_text())["artifacts"]["mysql"]
    ours = [(s["sql"], s["total_s"], s["total_s"] / s["executions"]) for s in snap["slow_log"]]
    theirs = pt_query_digest(snap["window_began"], snap["window_ended"])
    assert ours and theirs, (ours, theirs)
    top = min(len(ours), len(theirs), 5)
    assert [normalize_sql(q) for q, *_ in ours[:top]] == [normalize_sql(q) for q, *_ in theirs[:top]] or all(
        abs(a[1] - b[1]) <= 0.1 * max(a[1], b[1]) for a, b in zip(ours[:top], ours[1:top], strict=False)
    ), (ours[:top], theirs[:top])
    assert normalize_sql(ours[0][0]) == normalize_sql(theirs[0][0]), (ours[0], theirs[0])
    # The same statements, the same seconds each. Totals differ by the window's edges: the slow log file
    # stamps whole seconds, so pt-query-digest's --since/--until take up to a second of the probes around
    # the window (the single-user series just before it runs the same slow statement).
    assert ours[0][2] == pytest.approx(theirs[0][2], rel=0.1), (ours[0], theirs[0])
    assert ours[0][1] == pytest.approx(theirs[0][1], rel=0.35), (ours[0], theirs[0])
