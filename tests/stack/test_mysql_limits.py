"""No statement of perfscore's outlives its deadline on the server (issue 29): each session carries the
server's own time limit, and a statement past perfscore's deadline is killed there (KILL QUERY from a second
connection), not left running after perfscore stopped reading. Against the reference MariaDB."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pymysql
import pytest
import yaml

from perfscore.gatherers.clients import mysql_connect, stop_statement
from tests.stack.fixtures import AUDIT_CONFIG, PORTS, secret

pytestmark = pytest.mark.stack  # deadlines of a second: not beside the other tiers


def connect(read_timeout: float, **kw: Any) -> Any:
    return mysql_connect(
        host="127.0.0.1",
        port=PORTS["mysql"],
        user="perfscore",
        password=secret("mysql-perfscore"),
        database="loanflow",
        connect_timeout=3,
        read_timeout=read_timeout,
        **kw,
    )


def running(marker: str, mysql: Any) -> list[Any]:
    with mysql.cursor() as cur:  # the same user sees its own threads without the PROCESS privilege
        cur.execute("SELECT ID, TIME, INFO FROM information_schema.PROCESSLIST WHERE INFO LIKE %s", (f"%{marker}%",))
        return [r for r in cur.fetchall() if "PROCESSLIST" not in str(r[2])]


def test_each_session_carries_the_servers_time_limit(stack: Path) -> None:
    conn = connect(1.5)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT @@max_statement_time")
            assert float(cur.fetchone()[0]) == pytest.approx(1.5 * 0.9)  # a little before perfscore's deadline
    finally:
        conn.close()


def gone(tag: str, mysql: Any, within_s: float = 3.0) -> list[Any]:
    """The statement's rows in the processlist once it has ended, or as they are after ``within_s``: a killed
    statement ends within a moment on a busy server; an unkilled SLEEP(8) is still there seconds later."""
    deadline = time.monotonic() + within_s
    while (left := running(tag, mysql)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_the_server_stops_a_statement_at_the_limit_even_without_the_kill(stack: Path, mysql: Any) -> None:
    conn = connect(1.0, kill_at_deadline=False)
    t0 = time.monotonic()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT SLEEP(8) AS limit_probe_a")
            answer = cur.fetchone()[0]  # MariaDB answers an interrupted SLEEP with 1, or an error
    except pymysql.MySQLError:
        answer = "error"
    assert answer in (1, "error") and time.monotonic() - t0 < 3.5, answer
    assert gone("limit_probe_a", mysql) == []


def test_a_statement_past_the_deadline_is_killed_on_the_server(stack: Path, mysql: Any) -> None:
    conn = connect(1.0)
    with conn.cursor() as cur:
        cur.execute("SET SESSION max_statement_time = 0")  # as on a server without the limit: the KILL alone
    t0 = time.monotonic()
    with pytest.raises(pymysql.MySQLError), conn.cursor() as cur:
        cur.execute("SELECT SLEEP(8) AS limit_probe_b")
    assert time.monotonic() - t0 < 3.5
    left = gone("limit_probe_b", mysql)
    assert left == [], f"still running on the server after perfscore's deadline: {left}"


def test_an_aborted_gatherer_leaves_no_statement_running(stack: Path, mysql: Any) -> None:
    """The runner's deadline for a whole gatherer (or an interruption) stops its statement on the server,
    not only its read: ``stop_statement`` is what ``MySQLGatherer.abort`` calls."""
    conn = connect(30.0)  # a statement deadline far away: only the abort can end it
    with conn.cursor() as cur:
        cur.execute("SET SESSION max_statement_time = 0")
    failed: list[BaseException] = []

    def run() -> None:
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT SLEEP(20) AS limit_probe_c")
        except BaseException as exc:  # noqa: BLE001 - the read ends with the abort, whatever it raises
            failed.append(exc)

    reader = threading.Thread(target=run, daemon=True)
    reader.start()
    deadline = time.monotonic() + 5
    while not running("limit_probe_c", mysql) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running("limit_probe_c", mysql), "the statement never started"
    stop_statement(conn)
    reader.join(5)
    assert not reader.is_alive(), "the read did not end"
    assert gone("limit_probe_c", mysql) == []


@pytest.mark.e2e
def test_an_interrupted_audit_leaves_no_query_running(stack: Path, mysql: Any, tmp_path: Path) -> None:
    """The issue's case: a configured SELECT that runs for minutes (a cross join) outlived perfscore. SIGINT
    in the middle of it: perfscore exits 130 and the statement is gone from the server."""
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"].update(duration_s=1, probe_timeout_s=60)
    cfg["audit"]["load"]["scalability"] = False
    cfg["mysql"]["queries"] = {"cross": "SELECT COUNT(*) AS kill_probe_e2e FROM loans a, loans b, loans c, loans d"}
    path = tmp_path / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfscore", "audit", "--config", str(path), "-q", "-f", "json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not running("kill_probe_e2e", mysql) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert running("kill_probe_e2e", mysql), "the configured query never started"
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=20)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    left = gone("kill_probe_e2e", mysql)
    assert left == [], f"still running on the server after perfscore exited: {left}"
