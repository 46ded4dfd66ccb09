"""Field database gatherer: the database over the access logs' period (``field.since`` before the audit), where
the server keeps it: the slow log's statements within the period (``mysql.slow_log`` when log_output has TABLE,
else the slow log file when it is on this machine), folded by fingerprint as pt-query-digest folds them and
EXPLAINed; performance_schema's digest summaries last seen in the period; and the Prometheus source's database
counters over it. Perfscore's own statements (the config's MySQL user) are left out. Read-only, like the MySQL
gatherer whose connection and guard it shares; it reads after the audit's window, never during it."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from typing import Any

from perfscore.artifacts.cluster import Series
from perfscore.artifacts.field_db import FieldDatabaseSnapshot, PeriodDigest, PeriodStatement
from perfscore.durations import parse_duration
from perfscore.gatherers.base import GatherContext, Gatherer, ProbeUnavailable
from perfscore.gatherers.mysql import SECONDS, SYSTEM_SCHEMAS, MySQLGatherer, _plan, _text
from perfscore.host.mariadb import server_path
from perfscore.slowlog import Entry, StatementClass, entries, fold, fold_rows, schema_before, start_offset
from perfscore.sqlguard import read_only_problem
from perfscore.sqltext import mask_literals

STATEMENTS = 15  # classes kept (by total time) and EXPLAINed
TABLE_TEXTS = 2000  # distinct texts read from mysql.slow_log, folded into classes by fingerprint
DIGESTS = 50
FILE_BUDGET_S = 10.0  # reading the slow log file; the rest of a huge period is said to be unread
MAX_LINE = 64 * 1024  # a longer line (a bulk INSERT) is cut: its statement is kept to slowlog.MAX_SQL anyway
VARIABLES = ("slow_query_log", "slow_query_log_file", "log_output", "long_query_time", "datadir")


class _Lines:
    """The file's lines, each cut at MAX_LINE bytes (the rest of a longer one is skipped, never held), until the
    deadline: then the read stops and says so (what was read is kept)."""

    def __init__(self, fh: Any, deadline: float) -> None:
        self.fh, self.deadline, self.stopped, self.at = fh, deadline, False, 0

    def __iter__(self) -> Iterator[str]:
        while raw := self.fh.readline(MAX_LINE):
            if not raw.endswith(b"\n") and len(raw) >= MAX_LINE:
                while (rest := self.fh.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    if time.monotonic() > self.deadline:
                        break
            if time.monotonic() > self.deadline:
                self.stopped = True
                return
            self.at = self.fh.tell()
            yield raw.decode("utf-8", "replace")


class FieldDatabaseGatherer(Gatherer):
    name = "field_db"
    after_others = True  # a long read of log files: never inside the others' timings

    def __init__(self, ctx: GatherContext) -> None:
        super().__init__(ctx)
        self.db = MySQLGatherer(ctx)  # its connection, its read-only guard, its optional reads

    def not_configured(self) -> str | None:
        if not self.ctx.config.field:
            return "no access logs (config field:, or --access-log): no users' period to read the database over"
        return self.db.not_configured()

    def abort(self) -> None:
        self.db.abort()

    def begin(self) -> None:
        self.ended = time.time()  # the period ends where the audit's own traffic begins
        assert self.ctx.config.field is not None
        self.began = self.ended - parse_duration(self.ctx.config.field.since, "field.since")

    def end(self) -> FieldDatabaseSnapshot:
        return self.read(self.began, self.ended)

    def read(self, began: float, ended: float) -> FieldDatabaseSnapshot:
        """The database over [began, ended] (``perfscore field`` gives the access logs' own period)."""
        self.began, self.ended = began, ended
        self.db.conn = self.db._connect()
        try:
            rows = self.db._query(
                "SHOW GLOBAL VARIABLES WHERE Variable_name IN (%s, %s, %s, %s, %s)", VARIABLES
            )  # fmt: skip
            variables = {_text(r["Variable_name"]): _text(r["Value"]) for r in rows}
            snap = self._statements(variables)
            digests = self.db._optional(self._digests_in_period)
        finally:
            self.db.conn.close()
            self.db.conn = None
        try:
            long_query = float(variables.get("long_query_time", ""))
        except ValueError:
            long_query = None
        return snap.model_copy(
            update={"long_query_time_s": long_query, "digests": digests, "prometheus": self._prometheus()}
        )

    def _statements(self, variables: dict[str, str]) -> FieldDatabaseSnapshot:
        base = FieldDatabaseSnapshot(began=round(self.began, 3), ended=round(self.ended, 3))
        outputs = [o.strip() for o in variables.get("log_output", "").upper().split(",")]
        if variables.get("slow_query_log", "").upper() not in ("ON", "1") or outputs == ["NONE"]:
            note = "the slow log is off (slow_query_log = OFF, or log_output = NONE)"
            return base.model_copy(update={"statements_note": note, "slow_log_off": True})
        path = None
        try:
            if "TABLE" in outputs:
                classes, overflow, own, cut = *self._from_table(), None
                source = "table"
            elif "FILE" in outputs:
                path = server_path(variables.get("slow_query_log_file", ""), variables.get("datadir", ""))
                classes, overflow, own, cut = self._from_file(path)
                source = "file"
            else:
                note = f"the slow log goes to {variables.get('log_output') or 'no known place'} (log_output)"
                return base.model_copy(update={"statements_note": note})
        except ProbeUnavailable as exc:
            return base.model_copy(update={"statements_note": str(exc), "slow_log_file": path})
        kept = [
            PeriodStatement(
                sql=mask_literals(c.sample),
                executions=c.executions,
                total_s=round(c.total_s, 6),
                max_s=round(c.max_s, 6),
                rows_examined=c.rows_examined,
                plan=self._explain(c.sample),  # the values as they ran, never kept
            )
            for c in classes[:STATEMENTS]
        ]
        return base.model_copy(
            update={
                "source": source,
                "slow_log_file": path,
                "statements": kept,
                "classes": len(classes),
                "executions": sum(c.executions for c in classes) + overflow,
                "cut": cut,
                "own_excluded": own,
            }  # fmt: skip
        )

    def _explain(self, sql: str) -> Any:
        if read_only_problem(sql) is not None:  # only plain SELECTs are EXPLAINed
            return None
        try:
            return _plan(self.db._query("EXPLAIN " + sql))
        except ProbeUnavailable:
            return None

    def _schema_filter(self, column: str) -> tuple[str, tuple[Any, ...]]:
        """The app's database, or (none configured) every schema but the server's own."""
        if self.db.cfg.database:
            return f"{column} = %s", (self.db.cfg.database,)
        marks = ", ".join(["%s"] * len(SYSTEM_SCHEMAS))
        return f"{column} NOT IN ({marks})", SYSTEM_SCHEMAS

    def _from_table(self) -> tuple[list[StatementClass], int, int]:
        """(classes, executions past TABLE_TEXTS texts, perfscore's own statements left out)."""
        where, args = self._schema_filter("db")
        login = "SUBSTRING_INDEX(SUBSTRING_INDEX(user_host, '[', -1), ']', 1)"  # the login user, in brackets
        period = f"UNIX_TIMESTAMP(start_time) BETWEEN %s AND %s AND {where}"
        span = (round(self.began, 3), round(self.ended, 3), *args)
        own_rows = self.db._query(f"SELECT COUNT(*) AS n FROM mysql.slow_log WHERE {period} AND {login} = %s",
                                  (*span, self.db.cfg.user))  # fmt: skip
        rows = self.db._query(
            f"SELECT sql_text, COUNT(*) AS n, SUM({SECONDS}) AS t, MAX({SECONDS}) AS mx, SUM(rows_examined) AS r "
            f"FROM mysql.slow_log WHERE {period} AND {login} <> %s "
            f"GROUP BY sql_text ORDER BY t DESC LIMIT {TABLE_TEXTS + 1}",
            (*span, self.db.cfg.user),
        )
        classes = fold_rows(
            (_text(r["sql_text"]), int(r.get("n") or 0), float(r.get("t") or 0.0), float(r.get("mx") or 0.0),
             int(r.get("r") or 0))
            for r in rows[:TABLE_TEXTS]
        )  # fmt: skip
        overflow = sum(int(r.get("n") or 0) for r in rows[TABLE_TEXTS:])
        own = int(own_rows[0]["n"] or 0) if own_rows else 0
        return classes, overflow, own

    def _from_file(self, path: str) -> tuple[list[StatementClass], int, int, str | None]:
        """(classes, executions past MAX_CLASSES, perfscore's own left out, why the read stopped short)."""
        from perfscore.host.listeners import is_this_machine

        if not is_this_machine(self.db.cfg.host):
            raise ProbeUnavailable(
                f"the slow log is a file on the database's machine ({self.db.cfg.host}), and log_output has no "
                "TABLE: run perfscore there, or set log_output = FILE,TABLE"
            )
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
        except OSError as exc:
            raise ProbeUnavailable(f"slow log file {path}: {(exc.strerror or str(exc)).lower()}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ProbeUnavailable(f"slow log file {path}: not a regular file")
        with os.fdopen(fd, "rb") as fh:
            try:
                offset = start_offset(fh, self.began)  # entries in time order: skip what is older than the period
                schema = schema_before(fh, offset) if offset else None
                fh.seek(offset)
                reader = _Lines(fh, time.monotonic() + FILE_BUDGET_S)
                own = 0

                def theirs(e: Entry) -> bool:
                    nonlocal own
                    mine = e.user == self.db.cfg.user
                    own += mine and (e.ts or 0) >= self.began
                    return not mine

                found = (e for e in entries(reader, schema) if theirs(e))
                classes, overflow = fold(found, since=self.began, until=self.ended, schema=self.db.cfg.database)
            except OSError as exc:
                raise ProbeUnavailable(f"slow log file {path}: {(exc.strerror or str(exc)).lower()}") from None
        cut = f"read for {FILE_BUDGET_S:g}s, up to {reader.at:,} bytes: the rest of the period is not counted"
        return classes, overflow, own, cut if reader.stopped else None

    def _digests_in_period(self) -> list[PeriodDigest] | None:
        enabled = self.db._query("SHOW GLOBAL VARIABLES LIKE 'performance_schema'")
        if not enabled or enabled[0]["Value"] != "ON":
            return None
        where, args = self._schema_filter("SCHEMA_NAME")
        rows = self.db._query(
            "SELECT DIGEST_TEXT, COUNT_STAR, SUM_NO_INDEX_USED, SUM_ROWS_EXAMINED, SUM_TIMER_WAIT, FIRST_SEEN, "
            f"LAST_SEEN FROM performance_schema.events_statements_summary_by_digest WHERE {where} "
            f"AND UNIX_TIMESTAMP(LAST_SEEN) >= %s ORDER BY SUM_TIMER_WAIT DESC LIMIT {DIGESTS}",
            (*args, round(self.began, 3)),
        )
        return [
            PeriodDigest(
                text=_text(r["DIGEST_TEXT"])[:4000],
                count_star=int(r["COUNT_STAR"] or 0),
                sum_no_index_used=int(r["SUM_NO_INDEX_USED"] or 0),
                sum_rows_examined=int(r["SUM_ROWS_EXAMINED"] or 0),
                sum_timer_wait_ps=int(r["SUM_TIMER_WAIT"] or 0),
                first_seen=_text(r["FIRST_SEEN"]),
                last_seen=_text(r["LAST_SEEN"]),
            )
            for r in rows
        ]

    def _prometheus(self) -> list[Series] | None:
        """The database exporters' slow statements and statements over the period (increase() at its end)."""
        config = self.ctx.config
        dbs = [h for h in config.hosts.values() if h.role == "database" and h.exporter_instance]
        if config.prometheus is None or not dbs:
            return None
        from perfscore.errors import PerfscoreError
        from perfscore.gatherers.cluster import Prometheus

        window = f"{max(1, round(self.ended - self.began))}s"
        queries = [
            f'sum(increase(mysql_global_status_{counter}{{instance="{h.exporter_instance}"}}[{window}]))'
            for h in dbs
            for counter in ("slow_queries", "questions")
        ]
        try:
            prom = Prometheus(config.prometheus, config)
        except PerfscoreError as exc:
            return [Series(query=q, error=exc.message) for q in queries]
        return [prom.at(q, self.ended) for q in queries]
