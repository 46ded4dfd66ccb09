"""MySQL/MariaDB gatherer: status around the window, variables, digests, the slow log, plans, timings, indexes.

Strictly read-only: every statement goes through ``_query``, which refuses
anything but SELECT, SHOW and EXPLAIN. Runs with autocommit so it never holds
a metadata lock on the target's tables.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from perfscore.artifacts.mysql import (
    ConfiguredQuery,
    DigestRow,
    IndexColumn,
    MySQLSnapshot,
    OwnStatement,
    PlanRow,
    SlowStatement,
    TableSize,
)
from perfscore.config import MySQLConfig, resolve_password
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.clients import mysql_connect, stop_statement
from perfscore.slowlog import fold_rows
from perfscore.sqlguard import read_only_problem

T = TypeVar("T")
_READ = re.compile(r"^\s*(SELECT|SHOW|EXPLAIN)\b", re.I)
QUERY_BUDGET_S = 2.0  # per configured query
QUERY_RUNS = 20
SLOW_LOG_STATEMENTS = 10
SLOW_LOG_TEXTS = 500  # distinct texts read, folded into statements by their normalized form
LARGEST_TABLES = 20
SYSTEM_SCHEMAS = ("mysql", "information_schema", "performance_schema", "sys")
# mysql.slow_log's query_time in seconds with its fraction: MySQL 8's TIME_TO_SEC drops it (MariaDB's keeps it).
SECONDS = "(HOUR(query_time) * 3600 + MINUTE(query_time) * 60 + SECOND(query_time) + MICROSECOND(query_time) / 1e6)"

# Error codes: https://mariadb.com/kb/en/mariadb-error-codes/
_REASONS = {
    1045: "access denied",
    1044: "access denied to the database",
    1049: "unknown database",
    2003: "cannot connect (refused or unreachable)",
    2013: "lost connection: the server did not answer in time",
}


def _reason(exc: Exception) -> str:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    if code in _REASONS:
        return _REASONS[code]
    if code in (2020, 2059):  # perfscore's own refusals (an answer too large, a clear-text password)
        return str(exc.args[1])
    return f"{type(exc).__name__}: {exc.args[1] if len(exc.args) > 1 else exc}"


def _text(v: Any) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v if v is not None else "")


def _plan(rows: list[dict[str, Any]]) -> list[PlanRow]:
    return [
        PlanRow(
            table=_text(r.get("table")) or None,
            type=_text(r.get("type")) or None,
            rows=int(r.get("rows") or 0),
            extra=_text(r.get("Extra")) or None,
        )
        for r in rows
    ]


class MySQLGatherer(Gatherer):
    name = "mysql"
    reads_counters = True

    conn: Any = None
    uncountable = False
    status0: dict[str, str]
    digests0: list[DigestRow] | None = None
    server_t0: Any = None
    server_t1: Any = None  # the server's clock when the window's counters were sampled again
    t0 = 0.0
    wall_t0 = 0.0
    sampled: tuple[dict[str, str], list[DigestRow] | None, float, float] | None = None
    sample_error: ProbeUnavailable | None = None
    # Perfscore's own statements between the two status samples (the second included), by text: the
    # audits take them out of Questions and of the digests, so they count the app's statements only.
    own: dict[str, int] | None = None

    @property
    def cfg(self) -> MySQLConfig:
        assert self.ctx.config.mysql is not None
        return self.ctx.config.mysql

    def not_configured(self) -> str | None:
        return None if self.ctx.config.mysql else "no mysql section in the config (or --mysql flag)"

    def _connect(self) -> Any:
        import pymysql

        cfg = self.cfg
        try:
            return mysql_connect(
                host=cfg.host,
                port=cfg.port,
                user=cfg.user,
                password=resolve_password(cfg, self.ctx.base_dir, "mysql") or "",
                database=cfg.database,
                connect_timeout=cfg.connect_timeout_s,
                read_timeout=self.ctx.config.audit.probe_timeout_s,
                allow_cleartext=cfg.allow_cleartext_password,
            )
        except pymysql.MySQLError as exc:
            raise ProbeUnavailable(f"{cfg.host}:{cfg.port}: {_reason(exc)}") from None
        except OSError as exc:
            raise ProbeUnavailable(f"{cfg.host}:{cfg.port}: {exc.strerror or exc}") from None

    def _query(self, sql: str, args: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
        if not _READ.match(sql):
            raise RuntimeError(f"refusing to send a statement that is not a read: {sql[:40]!r}")
        import pymysql

        if self.own is not None:
            self.own[sql] = self.own.get(sql, 0) + 1
        try:
            with self.conn.cursor(pymysql.cursors.DictCursor) as cur:
                cur.execute(sql, args)
                return list(cur.fetchall())
        except pymysql.MySQLError as exc:
            raise ProbeUnavailable(_reason(exc)) from None

    def _pairs(self, sql: str) -> dict[str, str]:
        return {_text(r["Variable_name"]): _text(r["Value"]) for r in self._query(sql)}

    def questions(self) -> int | None:
        """The server's Questions counter, for a phase that counts statements around its traffic (the ramp)."""
        if self.uncountable:
            return None
        try:
            if self.conn is None:
                self.conn = self._connect()
            return int(self._pairs("SHOW GLOBAL STATUS LIKE 'Questions'").get("Questions", ""))
        except (ProbeUnavailable, ValueError):
            self.uncountable = True  # one failure is enough: no step waits on a server that does not answer
            return None

    def counting(self) -> bool:
        return self.conn is not None

    def abort(self) -> None:
        if self.conn is not None:
            stop_statement(self.conn)  # killed on the server, not only no longer read

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def begin(self) -> None:
        self.conn = self._connect()
        self.status0 = self._pairs("SHOW GLOBAL STATUS")
        self.wall_t0 = time.time()
        self.own = {}  # Questions counts a statement when it starts: the first sample counted itself
        self.digests0 = self._optional(self._digests)
        self.server_t0 = self._query("SELECT NOW(6) AS t")[0]["t"]
        self.t0 = time.monotonic()

    def sample(self) -> None:
        try:
            status1 = self._pairs("SHOW GLOBAL STATUS")
            window, wall_t1 = max(time.monotonic() - self.t0, 1e-6), time.time()
            # Read with the counters, before the other probes' requests reach the app and its database.
            digests1 = self._optional(self._digests) if self.digests0 is not None else None
            self.sampled = (status1, digests1, window, wall_t1)
            own, self.own = self.own, None  # after the counters: not one of the window's statements
            try:
                self.server_t1 = self._query("SELECT NOW(6) AS t")[0]["t"]
            except (ProbeUnavailable, LookupError):
                self.server_t1 = None  # the slow log's read then has no upper bound; the counters stand
            finally:
                self.own = own
        except ProbeUnavailable as exc:
            self.sample_error = exc

    def end(self) -> MySQLSnapshot:
        try:
            if self.sampled is None and self.sample_error is None:
                self.sample()
            if self.sample_error is not None:
                raise self.sample_error
            assert self.sampled is not None and self.own is not None
            status1, digests1, window, wall_t1 = self.sampled
            own, self.own = self.own, None
            variables = self._pairs("SHOW GLOBAL VARIABLES")
            hosts, hosts_error = self._replica_hosts()
            return MySQLSnapshot(
                database=self.cfg.database,
                replicas_expected=self.cfg.replicas_expected or bool(self.cfg.replicas),
                window_s=round(window, 3),
                window_began=round(self.wall_t0, 3),
                window_ended=round(wall_t1, 3),
                own_statements=[OwnStatement(sql=sql[:4000], runs=n) for sql, n in own.items()],
                status_before=self.status0,
                status_after=status1,
                variables=variables,
                digests_before=self.digests0,
                digests_after=digests1,
                slow_log=self._optional(lambda: self._slow_log(variables)),
                queries=[self._configured(name, sql) for name, sql in self.cfg.queries.items()],
                indexes=self._optional(self._indexes),
                innodb_data_bytes=self._innodb_bytes(),
                **self._tables(),
                replica_hosts=hosts,
                replica_hosts_error=hosts_error,
                replica_of=self._replica_of(),
            )
        finally:
            self.conn.close()

    def _optional(self, read: Callable[[], T | None]) -> T | None:
        """An optional read (a grant the user may lack: performance_schema, mysql.slow_log, the schema's
        statistics): refused, it loses its own figures only, never the snapshot."""
        try:
            return read()
        except ProbeUnavailable:
            return None

    def _digests(self) -> list[DigestRow] | None:
        enabled = self._query("SHOW GLOBAL VARIABLES LIKE 'performance_schema'")
        if not enabled or enabled[0]["Value"] != "ON":
            return None
        rows = self._query(
            "SELECT DIGEST, DIGEST_TEXT, COUNT_STAR, SUM_NO_INDEX_USED, SUM_ROWS_EXAMINED, SUM_TIMER_WAIT FROM "
            "performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME = %s",
            (self.cfg.database or "",),
        )
        return [
            DigestRow(
                digest=_text(r["DIGEST"]),
                text=_text(r["DIGEST_TEXT"]),
                count_star=int(r["COUNT_STAR"] or 0),
                sum_no_index_used=int(r["SUM_NO_INDEX_USED"] or 0),
                sum_rows_examined=int(r["SUM_ROWS_EXAMINED"] or 0),
                sum_timer_wait_ps=int(r["SUM_TIMER_WAIT"] or 0),
            )
            for r in rows
        ]

    def _slow_log(self, variables: dict[str, str]) -> list[SlowStatement] | None:
        """The slow log's statements of the window (log_output=TABLE), each EXPLAINed.

        Apps on server-side prepared statements (PDO by default) leave no digest in
        MariaDB's performance_schema, but their slow statements reach the slow log
        with the values filled in, so EXPLAIN can say why they were slow.
        """
        if variables.get("slow_query_log") != "ON" or "TABLE" not in variables.get("log_output", ""):
            return None
        # The window's statements only: started between the two samples (the other probes' requests come
        # after it), and not this connection's own (its thread: a user may audit with the app's login).
        rows = self._query(
            f"SELECT sql_text, COUNT(*) AS n, SUM({SECONDS}) AS t FROM mysql.slow_log "
            "WHERE start_time >= %s AND start_time <= %s AND db = %s AND thread_id <> %s "
            f"GROUP BY sql_text ORDER BY t DESC LIMIT {SLOW_LOG_TEXTS}",
            (self.server_t0, self.server_t1 or datetime.max, self.cfg.database or "", self.conn.thread_id()),
        )
        # One statement whatever its values (pt-query-digest's fingerprint): ranked by its total time.
        classes = fold_rows(
            (_text(r["sql_text"]), int(r.get("n") or 0), float(r.get("t") or 0.0), 0.0, 0) for r in rows
        )
        found = []
        for c in classes[:SLOW_LOG_STATEMENTS]:
            sql, n, total = c.sample, c.executions, c.total_s
            plan = None
            if read_only_problem(sql) is None:  # only plain SELECTs are EXPLAINed
                try:
                    plan = _plan(self._query("EXPLAIN " + sql))
                except ProbeUnavailable:
                    plan = None
            found.append(SlowStatement(sql=sql[:4000], executions=n, total_s=round(total, 6), plan=plan))
        return found

    def _configured(self, name: str, sql: str) -> ConfiguredQuery:
        try:
            plan = _plan(self._query("EXPLAIN " + sql))
            times: list[float] = []
            start = time.monotonic()
            while len(times) < QUERY_RUNS and time.monotonic() - start < QUERY_BUDGET_S:
                t0 = time.perf_counter()
                self._query(sql)
                times.append(round((time.perf_counter() - t0) * 1000, 4))
        except ProbeUnavailable as exc:
            return ConfiguredQuery(name=name, sql=sql, error=str(exc))
        return ConfiguredQuery(name=name, sql=sql, plan=plan, timings_ms=times)

    def _indexes(self) -> list[IndexColumn] | None:
        if not self.cfg.database:
            return None
        rows = self._query(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            (self.cfg.database,),
        )
        return [
            IndexColumn(
                table=_text(r["TABLE_NAME"]),
                index=_text(r["INDEX_NAME"]),
                non_unique=bool(int(r["NON_UNIQUE"])),
                column=_text(r["COLUMN_NAME"]),
            )
            for r in rows
        ]

    def _innodb_bytes(self) -> int | None:
        try:
            rows = self._query(
                "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS b FROM information_schema.TABLES WHERE ENGINE = 'InnoDB'"
            )
        except ProbeUnavailable:
            return None
        return int(rows[0]["b"] or 0) if rows else None

    def _tables(self) -> dict[str, Any]:
        """The largest base tables of the app's schema and how many there are; nothing when unreadable."""
        where = "TABLE_TYPE = 'BASE TABLE' AND " + (
            "TABLE_SCHEMA = %s" if self.cfg.database else f"TABLE_SCHEMA NOT IN ({', '.join(['%s'] * 4)})"
        )
        args = (self.cfg.database,) if self.cfg.database else SYSTEM_SCHEMAS
        try:
            count = self._query(f"SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE {where}", args)
            rows = self._query(
                "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH "
                f"FROM information_schema.TABLES WHERE {where} "
                f"ORDER BY TABLE_ROWS DESC, DATA_LENGTH + INDEX_LENGTH DESC LIMIT {LARGEST_TABLES}",
                args,
            )
        except ProbeUnavailable:
            return {}
        return {
            "table_count": int(count[0]["n"] or 0) if count else 0,
            "tables": [
                TableSize(
                    schema_name=_text(r["TABLE_SCHEMA"]),
                    table=_text(r["TABLE_NAME"]),
                    engine=_text(r["ENGINE"]) or None,
                    rows=int(r["TABLE_ROWS"] or 0),
                    data_bytes=int(r["DATA_LENGTH"] or 0),
                    index_bytes=int(r["INDEX_LENGTH"] or 0),
                )
                for r in rows
            ],
        }

    def _replica_hosts(self) -> tuple[int | None, str | None]:
        errors = []
        for stmt in ("SHOW REPLICA HOSTS", "SHOW REPLICAS", "SHOW SLAVE HOSTS"):
            try:
                return len(self._query(stmt)), None
            except ProbeUnavailable as exc:
                errors.append(f"{stmt}: {exc}")
        return None, next((e for e in errors if "denied" in e.lower()), errors[0])

    def _replica_of(self) -> dict[str, str | int | None] | None:
        for stmt in ("SHOW REPLICA STATUS", "SHOW SLAVE STATUS"):
            try:
                rows = self._query(stmt)
            except ProbeUnavailable:
                continue
            if not rows:
                return None
            r = rows[0]
            lag = r.get("Seconds_Behind_Master", r.get("Seconds_Behind_Source"))
            return {"source": _text(r.get("Master_Host", r.get("Source_Host"))), "lag_s": lag}
        return None
