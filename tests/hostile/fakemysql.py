"""A scripted database for the MySQL gatherer: a connection object whose cursor answers each statement
from a table of (prefix, rows or an error) and records what it was sent. No server, no port."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymysql

from perfscore.config import Config
from perfscore.gatherers.base import GatherContext
from perfscore.gatherers.mysql import MySQLGatherer

THREAD_ID = 4242  # the scripted connection's thread on the server
Answer = list[dict[str, Any]] | Exception | Callable[[str], list[dict[str, Any]]]

VARIABLES = {"slow_query_log": "ON", "log_output": "TABLE", "version": "10.11.6-MariaDB", "performance_schema": "OFF"}


def denied(what: str) -> pymysql.MySQLError:
    return pymysql.err.OperationalError(1142, f"SELECT command denied to user 'perfscore' for table {what}")


def script(**overrides: Answer) -> dict[str, Answer]:
    """The answers of a healthy MariaDB with a slow log in a table; ``overrides`` by statement prefix."""
    answers: dict[str, Answer] = {
        "SHOW GLOBAL STATUS": [{"Variable_name": "Questions", "Value": "10"}],
        "SHOW GLOBAL VARIABLES LIKE 'performance_schema'": [{"Variable_name": "performance_schema", "Value": "OFF"}],
        "SHOW GLOBAL VARIABLES": [{"Variable_name": k, "Value": v} for k, v in VARIABLES.items()],
        "SELECT NOW(6)": [{"t": datetime.datetime(2026, 1, 1)}],
        "SELECT VERSION()": [{"v": VARIABLES["version"]}],
        "SELECT sql_text": [],
        "EXPLAIN": [{"table": "t", "type": "ALL", "rows": 1, "Extra": None}],
    }
    answers.update(overrides)
    return answers


class Cursor:
    def __init__(self, conn: Conn) -> None:
        self.conn, self.rows = conn, []  # type: list[dict[str, Any]]

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute(self, sql: str, args: Any = None) -> int:
        self.conn.sent.append(sql)
        self.conn.args.append(args)
        for key, answer in sorted(self.conn.answers.items(), key=lambda kv: -len(kv[0])):  # the longest first
            if key in sql:
                if isinstance(answer, Exception):
                    raise answer
                self.rows = answer(sql) if callable(answer) else list(answer)
                return len(self.rows)
        self.rows = []
        return 0

    def fetchall(self) -> list[dict[str, Any]]:
        return self.rows


class Conn:
    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers, self.sent = answers, []  # type: list[str]
        self.args: list[Any] = []

    def thread_id(self) -> int:
        return THREAD_ID

    def cursor(self, *_: Any) -> Cursor:
        return Cursor(self)

    def close(self) -> None:
        return None


def gatherer(tmp: Path, answers: dict[str, Answer], **mysql: Any) -> tuple[MySQLGatherer, Conn]:
    cfg = Config.model_validate({"mysql": {"host": "127.0.0.1", "port": 9, "database": "app", **mysql}})
    g = MySQLGatherer(GatherContext(config=cfg, base_dir=tmp, window_s=0.0))
    conn = Conn(answers)
    g._connect = lambda: conn  # type: ignore[method-assign]
    return g, conn
