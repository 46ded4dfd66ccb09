"""Field data from a real nginx's own access log (issue 28): `perfscore load` sends known traffic to the
Bookshelf app's server block, whose log_format carries $request_time; `perfscore field` over that log finds
the same requests and statuses, and a p95 within the client's (nginx times a request from its first byte
read to its last byte sent, the client from connect to last byte: never more)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import perfscore
from tests.stack.fixtures import PORTS, STATE

pytestmark = [pytest.mark.stack, pytest.mark.untimed]

# stack/conf/nginx.conf's log_format for Bookshelf, as the server holds it.
BOOKSHELF_FORMAT = (
    '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time "$http_user_agent" $bs_signed_in'
)
UA = "Mozilla/5.0 (X11; Linux x86_64; field-test) Firefox/133.0"


def test_a_field_reading_of_nginx_s_log_agrees_with_the_load_that_made_it(stack: Path, tmp_path: Path) -> None:
    log = STATE / "logs" / "bookshelf-access.log"
    before = log.stat().st_size if log.exists() else 0
    url = f"http://127.0.0.1:{PORTS['bookshelf_http']}/about"
    res = perfscore("load", url, "-c", "4", "-n", "400", "--warmup", "0", "-H", f"User-Agent: {UA}", "-f", "json")
    assert res.code == 0, res.err
    sent = json.loads(res.out)
    # Only this test's lines: what the log gained since (nginx writes a line as each request ends).
    mine = tmp_path / "access.log"
    with log.open("rb") as fh:
        fh.seek(before)
        mine.write_bytes(fh.read())
    doc = json.loads(perfscore("field", str(mine), "--log-format", BOOKSHELF_FORMAT, "-f", "json").out)
    assert doc["malformed"] == 0, doc
    # Every request the load counted, and at most the 4 in flight when its budget ran out (served, not counted);
    # the load's one look at the site's root before it starts (user agent perfscore-load) is counted apart.
    route = next(r for r in doc["routes"] if r["route"] == "/about")
    assert sent["requests"] >= 400 and sent["requests"] <= route["requests"] <= sent["requests"] + 4, (doc, sent)
    assert doc["requests"] == route["requests"] and doc["own"] <= 1, doc  # -H User-Agent replaced perfscore's
    assert route["errors_5xx"] == sent["status_counts"].get("500", 0)
    assert 0 <= doc["latency_ms"]["p95"] <= sent["latency_ms"]["p95"] + 1.0, (doc["latency_ms"], sent["latency_ms"])
    assert doc["peak_rps"] >= min(sent["requests"], sent["rps"]) * 0.5  # the busiest second: at least half the rate


def test_the_database_over_the_users_period_finds_the_scan_the_lab_mix_missed_as_pt_query_digest_does(
    stack: Path,
    tmp_path: Path,
    knob,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 28, item 3. Users load a loan's schedule while its index is missing (LoanFlow's server block keeps
    no access log, so the test writes the lines nginx would have: the period and the users' request count are
    what the audit takes from them); the audit's own mix has no loan page. The slow log over the users' period
    holds the scan, EXPLAINed as a full scan the window did not run: the same class, runs and seconds as
    pt-query-digest gives for the slow log file's bytes written while the users' traffic ran (not its --since
    and --until: it drops the entries of a second MariaDB stamped no "# Time:" line for), and as perfscore's
    own file reader over the same period."""
    import io
    import time

    import yaml

    from perfscore.slowlog import entries, fold
    from perfscore.sqltext import normalize_sql
    from tests.stack.fixtures import AUDIT_CONFIG

    knob(cache="off", missing_index="on")
    slow_log = STATE / "logs" / "mysql-slow.log"
    size0 = slow_log.stat().st_size
    t0 = time.time()
    loan = f"http://127.0.0.1:{PORTS['http']}/api/loans/4242"
    res = perfscore("load", loan, "-c", "2", "-n", "12", "--warmup", "0", "-H", f"User-Agent: {UA}", "-f", "json")
    assert res.code == 0, res.err
    t1 = time.time()
    log = tmp_path / "access.log"
    with log.open("w") as fh:
        for i in range(200):
            stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t0 + (t1 - t0) * i / 200))
            fh.write(f'127.0.0.1 - - [{stamp}] "GET /api/loans/4242 HTTP/1.1" 200 512 "-" "{UA}"\n')
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"].update({"duration_s": 2})
    cfg["audit"]["load"]["scalability"] = False
    cfg["mysql"]["queries"] = {}  # nothing EXPLAINed on purpose: what the window ran is what the lab saw
    cfg["endpoints"] = [e for e in cfg["endpoints"] if e["name"] in ("dashboard", "search")]
    # The period starts well before the users' traffic: the audit begins a moment after this line (seconds on
    # a busy CI machine), and a period starting inside the traffic would cut the first statements in two ways
    # (the table's fractional start times, the file's whole seconds).
    cfg["field"] = {"access_logs": [str(log)], "log_format": "combined", "since": f"{int(time.time() - t0) + 30}s"}
    (tmp_path / "perfscore.yaml").write_text(yaml.safe_dump(cfg))
    run = tmp_path / "run.json"
    res = perfscore("audit", "--config", str(tmp_path / "perfscore.yaml"), "--save-run", str(run), "--no-history",
                    "-f", "json")  # fmt: skip
    assert res.code in (0, 1), res.err
    doc = json.loads(res.out)
    m = next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == "field.db_full_scans")
    assert m["status"] == "measured" and m["value"] >= 1, m
    scan = m["evidence"]["statements"][0]
    assert scan["table"] == "payment_schedules" and scan["in_lab"] is False, scan
    assert 12 <= scan["executions"] <= 14, scan  # the 12 loads (and the load's own first look at the URL)
    assert "saving_ms" in m["evidence"] and "did not run" in m["summary"], m
    snap = json.loads(run.read_text())["artifacts"]["field_db"]
    # What the server logged since the users' traffic began, read after the audit: MariaDB writes a slow-log
    # entry once it has answered, so read at once the last entries may not be there yet. The audit's own mix
    # runs no schedule lookup, so the class compared is the users' alone.
    users = tmp_path / "users-slow.log"
    with slow_log.open("rb") as fh:
        fh.seek(size0)
        users.write_bytes(fh.read())
    theirs = pt_query_digest_of(users)
    same = [c for c in theirs if normalize_sql(c["example"]["query"]) == normalize_sql(scan["statement"])]
    assert same, (theirs, scan)
    assert scan["executions"] == same[0]["query_count"], (scan, same[0]["query_count"])
    assert scan["seconds"] == pytest.approx(float(same[0]["metrics"]["Query_time"]["sum"]), rel=0.02), (scan, same)
    # perfscore's own reader of the slow log file: the same class over the same period as the table gave.
    text = slow_log.read_text(errors="replace")
    classes, _ = fold(entries(io.StringIO(text)), since=snap["began"], until=snap["ended"], schema="loanflow")
    mine = next(c for c in classes if normalize_sql(c.sample) == normalize_sql(scan["statement"]))
    assert mine.executions == scan["executions"] and mine.total_s == pytest.approx(scan["seconds"], rel=0.01)
    # `perfscore field` with the config: the same class over the access log's own period, values masked.
    res = perfscore("field", str(log), "--config", str(tmp_path / "perfscore.yaml"), "-f", "json")
    assert res.code == 0, res.err
    db = json.loads(res.out)["database"]
    same = [st for st in db["statements"] if normalize_sql(st["sql"]) == normalize_sql(scan["statement"])]
    assert same and 12 <= same[0]["executions"] <= 14 and "4242" not in same[0]["sql"], db
    assert any(row["type"] == "ALL" for row in same[0]["plan"]), same[0]  # still no index: a full scan


def pt_query_digest_of(path: Path) -> list[dict[str, Any]]:
    """pt-query-digest's classes (its JSON) of a slow log file, for the app's schema."""
    import subprocess

    out = subprocess.run(
        ["pt-query-digest", "--output", "json", "--limit", "50", "--filter", '($event->{db} || "") eq "loanflow"',
         str(path)],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    classes: list[dict[str, Any]] = json.loads(out)["classes"] if out.strip() else []
    return classes
