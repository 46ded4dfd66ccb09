"""Every statement perfscore sends carries the server's own time limit (issue #29 item 3): MariaDB's
max_statement_time in seconds, MySQL's MAX_EXECUTION_TIME in milliseconds, and a server with neither
(MySQL before 5.7.8) keeps its session. The greeting's version decides, as a real server's would."""

from __future__ import annotations

from collections.abc import Iterator

import pymysql
import pytest

from perfscore.gatherers.clients import SERVER_LIMIT_SHARE, _limit_statements, mysql_connect
from tests.hostile import servers
from tests.hostile.fakemysql import Conn


@pytest.fixture(params=sorted(servers.MYSQL_VERSIONS))
def versioned(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    port, stop = servers.start(request.param)
    yield request.param, port
    stop()


def _connect(port: int, read_timeout: float) -> object:
    return mysql_connect(
        host="127.0.0.1",
        port=port,
        user="perfscore",
        password="pw",
        database=None,
        connect_timeout=5,
        read_timeout=read_timeout,
    )


@pytest.mark.server
def test_the_session_limit_is_the_one_the_servers_version_has(versioned: tuple[str, int]) -> None:
    mode, port = versioned
    read_timeout = 7.5
    conn = _connect(port, read_timeout)
    try:
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute("SELECT 1")  # the session still answers after the limit was set (or refused)
    finally:
        conn.close()  # type: ignore[attr-defined]
    sent = [item[1] for item in servers.LOG[mode] if item[0] == "query"]  # type: ignore[index]
    sent = [sql for sql in sent if not sql.startswith("SET NAMES")]  # PyMySQL's own, at connect
    limit = read_timeout * SERVER_LIMIT_SHARE
    expected = {
        "mariadb-10": f"SET SESSION max_statement_time = {limit:.3f}",
        "mysql-8": f"SET SESSION MAX_EXECUTION_TIME = {round(limit * 1000)}",
        "mysql-5.6": f"SET SESSION MAX_EXECUTION_TIME = {round(limit * 1000)}",  # refused with 1193, and kept going
    }[mode]
    assert sent == [expected, "SELECT 1"], sent


@pytest.mark.parametrize(
    ("version", "seconds", "statement"),
    [
        ("8.0.36", 0.0004, "SET SESSION MAX_EXECUTION_TIME = 1"),  # never 0 ms: 0 is "no limit" to MySQL
        ("8.4.0", 2.0, "SET SESSION MAX_EXECUTION_TIME = 2000"),
        ("5.5.5-10.6.18-MariaDB-log", 2.0, "SET SESSION max_statement_time = 2.000"),
    ],
)
def test_the_limit_statement_in_each_dialect(version: str, seconds: float, statement: str) -> None:
    conn = Conn({})
    conn.get_server_info = lambda: version  # type: ignore[attr-defined]
    _limit_statements(conn, seconds)
    assert conn.sent == [statement]


def test_a_refused_limit_is_kept_going_but_a_lost_connection_is_not() -> None:
    for error, raises in (
        (pymysql.err.OperationalError(1193, "Unknown system variable 'MAX_EXECUTION_TIME'"), False),
        (pymysql.err.ProgrammingError(1064, "syntax"), False),
        (pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query"), True),
    ):
        conn = Conn({"SET SESSION": error})
        conn.get_server_info = lambda: "8.0.36"  # type: ignore[attr-defined]
        if raises:
            with pytest.raises(pymysql.err.OperationalError):
                _limit_statements(conn, 1.0)
        else:
            _limit_statements(conn, 1.0)
        assert conn.sent == ["SET SESSION MAX_EXECUTION_TIME = 1000"]
