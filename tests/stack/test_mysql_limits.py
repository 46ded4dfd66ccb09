"""No statement of perfscore's outlives its deadline on the server (issue 29): each session carries the
server's own time limit, and a statement past perfscore's deadline is killed there (KILL QUERY from a second
connection), not left running after perfscore stopped reading. Against the reference MariaDB."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pymysql
import pytest

from perfscore.gatherers.clients import mysql_connect
from tests.stack.fixtures import PORTS, secret

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
