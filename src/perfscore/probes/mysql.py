"""MySQL/MariaDB probe: MySQLTuner's checks, scored on counter deltas over the audit window.

Strictly read-only: every statement goes through ``_query``, which refuses
anything but SELECT, SHOW and EXPLAIN. Runs with autocommit so it never holds
a metadata lock on the target's tables.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import defaultdict
from typing import Any

from perfscore.config import MySQLConfig, read_only_problem, resolve_password
from perfscore.probes.base import Probe, ProbeUnavailable
from perfscore.run import Measurement

_READ = re.compile(r"^\s*(SELECT|SHOW|EXPLAIN)\b", re.I)
DAY = 86400
QUERY_BUDGET_S = 2.0  # per configured query
QUERY_RUNS = 20
FULL_SCAN_MIN_ROWS = 1000  # scanning a tiny lookup table is fine

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
    return f"{type(exc).__name__}: {exc.args[1] if len(exc.args) > 1 else exc}"


class MySQLProbe(Probe):
    name = "mysql"
    metrics = (
        "mysql.query_p95_latency",
        "mysql.full_scan_statements",
        "mysql.innodb_read_efficiency",
        "mysql.tmp_disk_table_ratio",
        "mysql.thread_cache_hit_ratio",
        "mysql.connections_used_ratio",
        "mysql.aborted_connects_ratio",
        "mysql.slow_query_ratio",
        "mysql.joins_without_index_per_day",
        "mysql.redundant_indexes",
        "mysql.replicas",
        "mysql.durability",
        "mysql.slow_query_log",
    )

    conn: Any = None
    status0: dict[str, str] = {}
    digests0: dict[str, dict[str, Any]] | None = None
    server_t0: Any = None
    t0 = 0.0

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
            return pymysql.connect(
                host=cfg.host,
                port=cfg.port,
                user=cfg.user,
                password=resolve_password(cfg, self.ctx.base_dir, "mysql") or "",
                database=cfg.database,
                connect_timeout=cfg.connect_timeout_s,
                read_timeout=self.ctx.config.audit.probe_timeout_s,
                write_timeout=cfg.connect_timeout_s,
                autocommit=True,
                charset="utf8mb4",
            )
        except pymysql.MySQLError as exc:
            raise ProbeUnavailable(f"{cfg.host}:{cfg.port}: {_reason(exc)}") from None
        except OSError as exc:
            raise ProbeUnavailable(f"{cfg.host}:{cfg.port}: {exc.strerror or exc}") from None

    def _query(self, sql: str, args: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
        if not _READ.match(sql):
            raise RuntimeError(f"refusing to send a statement that is not a read: {sql[:40]!r}")
        import pymysql

        try:
            with self.conn.cursor(pymysql.cursors.DictCursor) as cur:
                cur.execute(sql, args)
                return list(cur.fetchall())
        except pymysql.MySQLError as exc:
            raise ProbeUnavailable(_reason(exc)) from None

    def _status(self) -> dict[str, str]:
        return {r["Variable_name"]: r["Value"] for r in self._query("SHOW GLOBAL STATUS")}

    def begin(self) -> None:
        self.conn = self._connect()
        self.status0 = self._status()
        self.digests0 = self._digest_snapshot()
        self.server_t0 = self._query("SELECT NOW(6) AS t")[0]["t"]
        self.t0 = time.monotonic()

    def end(self) -> list[Measurement]:
        try:
            s1 = self._status()
            window = max(time.monotonic() - self.t0, 1e-6)
            variables = {r["Variable_name"]: r["Value"] for r in self._query("SHOW GLOBAL VARIABLES")}
            out = self._counter_metrics(self.status0, s1, variables, window)
            out += self._statement_metrics()
            out.append(self._redundant_indexes())
            out.append(self._replicas())
            durable = variables.get("innodb_flush_log_at_trx_commit") == "1" and (
                variables.get("log_bin", "OFF") == "OFF" or variables.get("sync_binlog") == "1"
            )
            out.append(
                self.measured(
                    "mysql.durability",
                    durable,
                    innodb_flush_log_at_trx_commit=variables.get("innodb_flush_log_at_trx_commit"),
                    log_bin=variables.get("log_bin"),
                    sync_binlog=variables.get("sync_binlog"),
                )
            )
            out.append(
                self.measured(
                    "mysql.slow_query_log",
                    variables.get("slow_query_log") == "ON",
                    long_query_time=variables.get("long_query_time"),
                    slow_query_log_file=variables.get("slow_query_log_file"),
                )
            )
            return out
        finally:
            self.conn.close()

    # ------------------------------------------------------------------ counters

    def _counter_metrics(
        self, s0: dict[str, str], s1: dict[str, str], v: dict[str, str], window: float
    ) -> list[Measurement]:
        def n(d: dict[str, str], k: str) -> int:
            try:
                return int(d.get(k, "0"))
            except ValueError:
                return 0

        def delta(k: str) -> int:
            return n(s1, k) - n(s0, k)

        uptime = n(s1, "Uptime")
        young = (
            f"server up {uptime / 3600:.1f} h (< 1 day): counters may not be representative" if uptime < DAY else None
        )

        def ratio(
            num_key: str,
            den_keys: tuple[str, ...],
            metric: str,
            *,
            empty: float,
            invert: bool = False,
            unit: str = "ratio",
        ) -> Measurement:
            num = delta(num_key)
            den = sum(delta(k) for k in den_keys)
            scope, low = "window", young
            if den <= 0:
                num = n(s1, num_key)
                den = sum(n(s1, k) for k in den_keys)
                scope = "lifetime"
                low = "no activity during the audit window: lifetime counters" + (f"; {young}" if young else "")
            value = empty if den <= 0 else num / den
            if invert and den > 0:
                value = 1.0 - value
            return self.measured(
                metric,
                round(value, 6),
                unit,
                low_confidence=low,
                scope=scope,
                counters={num_key: num, "+".join(den_keys): den},
                window_s=round(window, 2),
            )

        out = [
            ratio(
                "Innodb_buffer_pool_read_requests",
                ("Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads"),
                "mysql.innodb_read_efficiency",
                empty=1.0,
            ),
            ratio("Created_tmp_disk_tables", ("Created_tmp_tables",), "mysql.tmp_disk_table_ratio", empty=0.0),
            ratio("Threads_created", ("Connections",), "mysql.thread_cache_hit_ratio", empty=1.0, invert=True),
            ratio("Aborted_connects", ("Connections",), "mysql.aborted_connects_ratio", empty=0.0),
            ratio("Slow_queries", ("Questions",), "mysql.slow_query_ratio", empty=0.0),
        ]
        max_conn = n(v, "max_connections")
        out.append(
            self.measured(
                "mysql.connections_used_ratio",
                round(n(s1, "Max_used_connections") / max_conn, 6) if max_conn else 0.0,
                "ratio",
                low_confidence=young,
                max_used_connections=n(s1, "Max_used_connections"),
                max_connections=max_conn,
            )
        )
        joins = delta("Select_range_check") + delta("Select_full_join")
        lifetime = n(s1, "Select_range_check") + n(s1, "Select_full_join")
        out.append(
            self.measured(
                "mysql.joins_without_index_per_day",
                round(joins / window * DAY, 1),
                "joins/day",
                low_confidence=young,
                window_joins=joins,
                window_s=round(window, 2),
                lifetime_per_day=round(lifetime / max(uptime, 1) * DAY, 1),
            )
        )
        return out

    # ------------------------------------------------------------------ statements

    def _statement_metrics(self) -> list[Measurement]:
        queries = self.cfg.queries
        digests = self._full_scans_from_digests()
        slow = self._full_scans_from_slow_log()
        if digests is not None or slow is not None:
            digests = (digests or []) + (slow or [])
        explained = self._full_scans_from_explain(queries)
        if digests is None and explained is None:
            full = self.unavailable(
                "mysql.full_scan_statements", "performance_schema is off and no queries are configured to EXPLAIN"
            )
        else:
            # Digests catch what the app ran during the window; EXPLAIN covers the configured
            # queries even when a cache kept them from reaching the server.
            scans: list[dict[str, Any]] = []
            for found in (explained or []) + (digests or []):
                if not _same_statement(found, scans):
                    scans.append(found)
            summary = "; ".join(
                f"{s['table']}: full scan of ~{s['rows']:,} rows in {' '.join(s['statement'].split())[:160]}"
                for s in scans[:3]
            )
            sources = [
                name
                for name, used in (("performance_schema", self.digests0), ("slow_log", slow), ("EXPLAIN", explained))
                if used is not None
            ]
            full = self.measured(
                "mysql.full_scan_statements",
                float(len(scans)),
                "statements",
                statements=scans,
                sources=sources,
                summary=summary or None,
            )
        return [full, self._query_latency(queries)]

    def _digest_snapshot(self) -> dict[str, dict[str, Any]] | None:
        enabled = self._query("SHOW GLOBAL VARIABLES LIKE 'performance_schema'")
        if not enabled or enabled[0]["Value"] != "ON":
            return None
        rows = self._query(
            "SELECT DIGEST, DIGEST_TEXT, COUNT_STAR, SUM_NO_INDEX_USED, SUM_ROWS_EXAMINED FROM "
            "performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME = %s",
            (self.cfg.database or "",),
        )
        return {str(r["DIGEST"]): r for r in rows}

    def _full_scans_from_digests(self) -> list[dict[str, Any]] | None:
        """Statements that ran during the window mostly without an index over many rows (sys schema's check)."""
        if self.digests0 is None:
            return None
        now = self._digest_snapshot() or {}
        found = []
        for digest, r in now.items():
            before = self.digests0.get(digest, {})
            runs = int(r["COUNT_STAR"]) - int(before.get("COUNT_STAR", 0))
            no_index = int(r["SUM_NO_INDEX_USED"]) - int(before.get("SUM_NO_INDEX_USED", 0))
            examined = int(r["SUM_ROWS_EXAMINED"]) - int(before.get("SUM_ROWS_EXAMINED", 0))
            text = str(r["DIGEST_TEXT"] or "")
            if runs <= 0 or no_index / runs <= 0.5 or examined / runs < FULL_SCAN_MIN_ROWS:
                continue
            if re.search(r"\b(information_schema|performance_schema)\b", text, re.I):
                continue  # perfscore's own catalogue reads
            table = re.search(r"\bFROM\s+`?(\w+)`?", text, re.I)
            found.append(
                {
                    "statement": text,
                    "table": table.group(1) if table else "?",
                    "rows": examined // runs,
                    "executions": runs,
                    "source": "performance_schema digest",
                }
            )
        found.sort(key=lambda f: -int(f["rows"]) * int(f["executions"]))
        return found

    def _full_scans_from_slow_log(self) -> list[dict[str, Any]] | None:
        """The slow log's statements of the window (log_output=TABLE), each EXPLAINed.

        Apps on server-side prepared statements (PDO by default) leave no digest in
        MariaDB's performance_schema, but their slow statements reach the slow log
        with the values filled in, so EXPLAIN can say why they were slow.
        """
        if self.server_t0 is None:
            return None
        out = self._query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_output', 'slow_query_log')")
        v = {r["Variable_name"]: r["Value"] for r in out}
        if v.get("slow_query_log") != "ON" or "TABLE" not in v.get("log_output", ""):
            return None
        rows = self._query(
            "SELECT sql_text, COUNT(*) AS n, MAX(rows_examined) AS examined FROM mysql.slow_log "
            "WHERE start_time >= %s AND db = %s GROUP BY sql_text ORDER BY SUM(query_time) DESC LIMIT 10",
            (self.server_t0, self.cfg.database or ""),
        )
        found = []
        for r in rows:
            sql = r["sql_text"].decode("utf-8", "replace") if isinstance(r["sql_text"], bytes) else str(r["sql_text"])
            if read_only_problem(sql) is not None:
                continue  # only plain SELECTs are EXPLAINed
            try:
                plan = self._query("EXPLAIN " + sql)
            except ProbeUnavailable:
                continue
            for row in plan:
                rows_est = int(row.get("rows") or 0)
                if str(row.get("type", "")).upper() == "ALL" and rows_est >= FULL_SCAN_MIN_ROWS:
                    found.append(
                        {
                            "statement": sql.strip()[:2000],
                            "table": row.get("table"),
                            "rows": rows_est,
                            "executions": int(r["n"]),
                            "source": "slow_log + EXPLAIN",
                        }
                    )
        return found

    def _full_scans_from_explain(self, queries: dict[str, str]) -> list[dict[str, Any]] | None:
        if not queries:
            return None
        scans = []
        for name, sql in queries.items():
            for row in self._query("EXPLAIN " + sql):
                rows = int(row.get("rows") or 0)
                if str(row.get("type", "")).upper() == "ALL" and rows >= FULL_SCAN_MIN_ROWS:
                    scans.append(
                        {
                            "query": name,
                            "statement": sql.strip(),
                            "table": row.get("table"),
                            "rows": rows,
                            "source": "EXPLAIN",
                            "extra": row.get("Extra"),
                        }
                    )
        return scans

    def _query_latency(self, queries: dict[str, str]) -> Measurement:
        if not queries:
            return self.unavailable("mysql.query_p95_latency", "no read-only queries configured to time")
        samples: list[float] = []
        per_query: dict[str, dict[str, float]] = {}
        for name, sql in queries.items():
            times: list[float] = []
            start = time.monotonic()
            while len(times) < QUERY_RUNS and time.monotonic() - start < QUERY_BUDGET_S:
                t0 = time.perf_counter()
                self._query(sql)
                times.append((time.perf_counter() - t0) * 1000)
            samples += times
            per_query[name] = {
                "runs": len(times),
                "p50_ms": round(statistics.median(times), 3),
                "p95_ms": round(_p95(times), 3),
            }
        slowest = max(per_query, key=lambda q: per_query[q]["p95_ms"])
        return self.measured(
            "mysql.query_p95_latency",
            round(_p95(samples), 3),
            "ms",
            p50_ms=round(statistics.median(samples), 3),
            queries=per_query,
            summary=f"slowest: {slowest} (p95 {per_query[slowest]['p95_ms']:.1f} ms): {queries[slowest].strip()[:160]}",
        )

    # ------------------------------------------------------------------ schema and topology

    def _redundant_indexes(self) -> Measurement:
        db = self.cfg.database
        if not db:
            return self.unavailable("mysql.redundant_indexes", "no database configured")
        rows = self._query(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            (db,),
        )
        indexes: dict[str, dict[str, tuple[list[str], bool]]] = defaultdict(dict)
        for r in rows:
            cols, unique = indexes[r["TABLE_NAME"]].get(r["INDEX_NAME"], ([], not int(r["NON_UNIQUE"])))
            cols.append(r["COLUMN_NAME"])
            indexes[r["TABLE_NAME"]][r["INDEX_NAME"]] = (cols, unique)
        found = []
        for table, idx in indexes.items():
            for name, (cols, unique) in idx.items():
                if name == "PRIMARY" or unique:
                    continue
                for other, (ocols, _) in idx.items():
                    if other != name and ocols[: len(cols)] == cols and (len(ocols) > len(cols) or other < name):
                        found.append({"table": table, "index": name, "columns": cols, "covered_by": other})
                        break
        summary = "; ".join(f"{f['table']}.{f['index']} is covered by {f['covered_by']}" for f in found[:3])
        return self.measured(
            "mysql.redundant_indexes", float(len(found)), "indexes", indexes=found, summary=summary or None
        )

    def _replicas(self) -> Measurement:
        count = None
        errors = []
        for stmt in ("SHOW REPLICA HOSTS", "SHOW REPLICAS", "SHOW SLAVE HOSTS"):
            try:
                count = len(self._query(stmt))
                break
            except ProbeUnavailable as exc:
                errors.append(f"{stmt}: {exc}")
        replica_of = None
        for stmt in ("SHOW REPLICA STATUS", "SHOW SLAVE STATUS"):
            try:
                rows = self._query(stmt)
                if rows:
                    lag = rows[0].get("Seconds_Behind_Master", rows[0].get("Seconds_Behind_Source"))
                    replica_of = {"source": rows[0].get("Master_Host", rows[0].get("Source_Host")), "lag_s": lag}
                break
            except ProbeUnavailable:
                continue
        if count is None:
            denied = next((e for e in errors if "denied" in e.lower()), errors[0] if errors else "no statement worked")
            return self.unavailable("mysql.replicas", f"cannot list replicas: {denied[:240]}")
        if count == 0 and not self.cfg.replicas_expected:
            return Measurement(
                metric="mysql.replicas",
                status="not_applicable",
                value=0.0,
                unit="replicas",
                reason="no replicas, on purpose (replicas_expected: false)",
                probe=self.name,
            )
        return self.measured("mysql.replicas", float(count), "replicas", this_server_replicates=replica_of)


def _same_statement(digest: dict[str, Any], explained: list[dict[str, Any]]) -> bool:
    """A digest of a configured query is the same finding as its EXPLAIN: count it once."""
    norm = re.sub(r"[`\s]+", " ", str(digest["statement"])).lower()
    return any(
        e["table"] == digest["table"] and re.sub(r"\s+", " ", e["statement"]).lower().split(" where")[0] in norm
        for e in explained
    )


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
