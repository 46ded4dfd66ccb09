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


def _mysqltuner(*, sizes: bool = False) -> str:
    """MySQLTuner's report on the reference MariaDB. Without ``sizes``, only the server's status counters."""
    skips = ["--skipsize"] if not sizes else []
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
            *skips,
            *("--skippassword", "--nodbstat", "--notbstat", "--nocolstat", "--noidxstat"),
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
    are pt-query-digest's classes in the same order, wherever their totals are not within 10 % of each other.
    Then MySQLTuner on the same server: its slow-query share is the lifetime's, perfscore's the window's,
    and with the knob on the window is the slower (stated, not hidden: the two figures answer two questions)."""
    import io
    import json

    from perfscore.slowlog import entries, fold
    from perfscore.sqltext import normalize_sql
    from tests.stack.test_field_stack import pt_query_digest_of

    knob(cache="off", missing_index="on")  # the schedule lookup scans: slow statements of the app's own
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"]["duration_s"] = 3
    cfg["audit"]["load"]["scalability"] = False
    cfg["mysql"]["queries"] = {}
    (tmp_path / "perfscore.yaml").write_text(yaml.safe_dump(cfg))
    run = tmp_path / "run.json"
    slow_file = STATE / "logs" / "mysql-slow.log"
    size0 = slow_file.stat().st_size
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
    # The window's edges differ between the two (the table's fractional start times, the file's whole
    # seconds): over the very same bytes of the slow log file, perfscore's reader folds and ranks exactly as
    # pt-query-digest does — every class, its executions, its total to the microsecond.
    same_bytes = tmp_path / "slow-during-the-audit.log"
    with slow_file.open("rb") as fh:
        fh.seek(size0)
        same_bytes.write_bytes(fh.read())
    mine, _ = fold(entries(io.StringIO(same_bytes.read_text(errors="replace"))), schema="loanflow")
    digest = {
        normalize_sql(c["example"]["query"]): (c["query_count"], float(c["metrics"]["Query_time"]["sum"]))
        for c in pt_query_digest_of(same_bytes)
    }
    assert {normalize_sql(c.sample): c.executions for c in mine} == {k: n for k, (n, _) in digest.items()}
    for c in mine:
        assert c.total_s == pytest.approx(digest[normalize_sql(c.sample)][1], abs=1e-5), c
    ranked = sorted(digest, key=lambda k: -digest[k][1])
    assert [normalize_sql(c.sample) for c in mine] == ranked  # by total time, most first
    assert normalize_sql(ours[0][0]) == normalize_sql(theirs[0][0]), (ours[0], theirs[0])
    # Not `untimed`: beside make test's first phase each scan took 1.9 s, and the whole-second edges below took
    # in 14 s more of them (a CI run: 21.4 s against 35.9 s). Alone, the edges cost well under a third.
    # The same statements, the same seconds each. Totals differ by the window's edges: the slow log file
    # stamps whole seconds, so pt-query-digest's --since/--until take up to a second of the probes around
    # the window (the single-user series just before it runs the same slow statement).
    assert ours[0][2] == pytest.approx(theirs[0][2], rel=0.1), (ours[0], theirs[0])
    assert ours[0][1] == pytest.approx(theirs[0][1], rel=0.35), (ours[0], theirs[0])
    if shutil.which("mysqltuner"):
        before, after = snap["status_before"], snap["status_after"]
        slow, asked = (int(after[k]) - int(before[k]) for k in ("Slow_queries", "Questions"))
        m = re.search(r"Slow queries: ([\d.]+)%", _mysqltuner())
        assert m is not None and asked > 0, (slow, asked)
        # The knob's slow statements are a large share of the window's statements (a 3 s window is too short
        # for a scored verdict, not for the share) and a small share of the server's lifetime (its seed, the
        # other tests' audits with the index in place).
        assert 100 * slow / asked > float(m.group(1)), (slow, asked, m.group(0))


MIB = 1024 * 1024


def _mini_audit(tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A database-only audit of the stack's MariaDB (half a second of window, no traffic): (saved run, result)."""
    import json

    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    mysql = {**cfg["mysql"], "queries": {}}
    path = tmp / "db-only.yaml"
    path.write_text(yaml.safe_dump({"mysql": mysql, "audit": {"duration_s": 0.5}}))
    run, out = tmp / "run.json", tmp / "result.json"
    res = perfscore("audit", "--config", str(path), "-q", "-f", "json", "-o", str(out), "--save-run", str(run),
                    "--no-history")  # fmt: skip
    assert res.code in (0, 1), res.err
    return json.loads(run.read_text()), json.loads(out.read_text())


@pytest.mark.untimed
@pytest.mark.skipif(not shutil.which("mysqltuner"), reason="mysqltuner is not installed")
def test_data_size_and_buffer_pool_fit_are_mysqltuners_on_full_and_tiny_data(tmp_path: Path, knob) -> None:  # type: ignore[no-untyped-def]
    """The data the buffer pool must hold, on the full dataset and on the tiny_dataset knob's few hundred rows:
    perfscore's InnoDB data and index bytes are MySQLTuner's "Data in InnoDB tables" (printed in MiB to one
    decimal), both run as the same least-privilege user (neither sees the mysql schema's tables: MySQLTuner
    leaves them out by name, perfscore's user may not read them); both give the same fit verdict. Where they
    part, by design: perfscore
    marks the ratios of a tiny dataset low-confidence (every page fits in memory, whatever the tuning), a
    judgement MySQLTuner does not make."""
    sizes = {}
    for tiny in ("off", "on"):
        knob(tiny_dataset=tiny)
        run, result = _mini_audit(tmp_path)
        report = _mysqltuner(sizes=True)
        m = re.search(r"Data in InnoDB tables: ([\d.]+)([BKMG]) \(Tables: (\d+)\)", report)
        assert m is not None, report[-3000:]
        theirs = float(m.group(1)) * {"B": 1, "K": 1024, "M": MIB, "G": 1024 * MIB}[m.group(2)]
        ours = run["artifacts"]["mysql"]["innodb_data_bytes"]
        unit = {"B": 1, "K": 1024, "M": MIB, "G": 1024 * MIB}[m.group(2)]
        assert abs(ours - theirs) <= 0.05 * unit + 1, (tiny, ours, m.group(0))  # its one printed decimal
        fits_theirs = re.search(r"\[(OK|!!)\] InnoDB buffer pool / data size", report)
        assert fits_theirs is not None, report[-3000:]
        ev = _metric(result, "mysql.innodb_read_efficiency")["evidence"]  # the ratio needs traffic; not the fit
        fits_ours = ev["buffer_pool_mb"] >= ev["innodb_data_mb"]
        assert fits_ours == (fits_theirs.group(1) == "OK"), (tiny, ev, fits_theirs.group(0))
        doubt = audits.small_dataset(MySQLSnapshot.model_validate(run["artifacts"]["mysql"]))
        assert (doubt is not None) == (tiny == "on"), (tiny, doubt)
        sizes[tiny] = ours
    assert sizes["on"] < sizes["off"] / 2, sizes  # the knob did swap the data under both tools
