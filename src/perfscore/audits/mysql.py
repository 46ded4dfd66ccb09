"""MySQL/MariaDB audits: MySQLTuner's checks on counter deltas over the audit window, plans, schema, topology.

Counters are deltas between two ``SHOW GLOBAL STATUS`` samples. A counter that
went down (``FLUSH STATUS``) or a lower ``Uptime`` (a restart) means the
server reset: its figure since the reset is the window's figure, flagged.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from perfscore.artifacts.cluster import ClusterSnapshot
from perfscore.artifacts.mysql import DigestRow, MySQLSnapshot, PlanRow
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits.base import (
    NotEnoughData,
    Outcome,
    Unmeasurable,
    audit,
    insufficient,
    measured,
    not_applicable,
    p95,
    unavailable,
    window_requests,
)
from perfscore.sqltext import LITERAL, MAX_SQL, normalize_sql

DAY = 86400
FULL_SCAN_MIN_ROWS = 1000  # scanning a tiny lookup table is fine
MB = 1024 * 1024
# Fewest new connections in the window for a thread-cache or aborted-connect verdict: with
# persistent connections an app opens a handful, and 2 aborted of 19 says nothing.
CONNECTIONS = 50
CATEGORY = "database"
REALISTIC_ROWS = 10_000  # below this many rows in the largest table, query speed says little about production
REALISTIC_BYTES = 64 * MB  # ... unless the tables are this big (row estimates can be stale)


def small_dataset(s: MySQLSnapshot) -> str | None:
    """Why figures that depend on the data's size cannot be trusted, when the dataset is too small."""
    if not s.tables:
        return None
    largest = max(s.tables, key=lambda t: t.rows)
    size = sum(t.data_bytes + t.index_bytes for t in s.tables)
    # Row counts are estimates, cached for up to a day on MySQL 8: a freshly loaded big table can read
    # near 0 rows, but not near 0 bytes.
    if largest.rows >= REALISTIC_ROWS or size >= REALISTIC_BYTES:
        return None
    return (
        f"dataset too small to judge: the largest table ({largest.table}) holds about {largest.rows:,} rows, "
        "so audit with production-like data"
    )


def dataset_evidence(s: MySQLSnapshot) -> dict[str, Any]:
    if s.tables is None:
        return {}
    return {
        "dataset": {
            "tables": s.table_count,
            "data_mb": round(sum(t.data_bytes for t in s.tables) / MB, 1),
            "index_mb": round(sum(t.index_bytes for t in s.tables) / MB, 1),
            "largest": [
                {"table": t.table, "rows": t.rows, "mb": round((t.data_bytes + t.index_bytes) / MB, 1)}
                for t in s.tables[:5]
            ],
        }
    }


def judged_on_data(fn: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """Mark a figure that depends on the data's size low-confidence when the dataset is too small."""

    @functools.wraps(fn)
    def wrapper(s: MySQLSnapshot, *more: Any) -> Outcome:
        out = fn(s, *more)
        doubt = small_dataset(s)
        if doubt is None or out.status != "measured":
            return out
        return replace(out, low_confidence="; ".join(x for x in (out.low_confidence, doubt) if x))

    return wrapper


def _int(d: dict[str, str], key: str) -> int:
    try:
        return int(d.get(key, "0"))
    except ValueError:
        return 0


SLACK_S = 2  # Uptime counts whole seconds, sampled around the window


@dataclass(frozen=True)
class Counters:
    """SHOW GLOBAL STATUS around the window, for a group of counters judged together.

    A restart (Uptime grew less than the window) or FLUSH STATUS (Uptime_since_flush_status did,
    or any counter of the group went down) resets the whole group: its figures then count from the
    reset, which lies inside the window, and say so. A counter missing from either sample makes
    the metric unavailable, never a silent 0.
    """

    s: MySQLSnapshot
    group: tuple[str, ...] = ()

    def _get(self, d: dict[str, str], key: str, when: str) -> int:
        if key not in d:
            raise Unmeasurable(f"{key} is missing from SHOW GLOBAL STATUS at the window {when}")
        try:
            return int(d[key])
        except ValueError:
            raise Unmeasurable(f"{key} is not a number in SHOW GLOBAL STATUS ({d[key][:40]!r})") from None

    def before(self, key: str) -> int:
        return self._get(self.s.status_before, key, "start")

    def now(self, key: str) -> int:
        return self._get(self.s.status_after, key, "end")

    @property
    def uptime(self) -> int:
        return self.now("Uptime")

    def _fell(self, key: str) -> bool:
        return self.now(key) + SLACK_S < self.before(key) + int(self.s.window_s)

    @property
    def restarted(self) -> bool:
        return self._fell("Uptime")

    @property
    def reset(self) -> bool:
        flush = "Uptime_since_flush_status"
        flushed = flush in self.s.status_before and flush in self.s.status_after and self._fell(flush)
        return self.restarted or flushed or any(self.now(k) < self.before(k) for k in self.group)

    def delta(self, key: str) -> int:
        return self.now(key) if self.reset else self.now(key) - self.before(key)

    def caveat(self) -> str | None:
        notes = []
        if self.restarted:
            notes.append("the server restarted during the window: counters since its restart")
        elif self.reset:
            notes.append("counters were reset (FLUSH STATUS) during the window: figures since the reset")
        if self.uptime < DAY:
            notes.append(f"server up {self.uptime / 3600:.1f} h (< 1 day): counters may not be representative")
        return "; ".join(notes) or None


def _ratio(
    s: MySQLSnapshot,
    num_key: str,
    den_keys: tuple[str, ...],
    *,
    events: tuple[int, str],
    empty: float,
    invert: bool = False,
) -> Outcome:
    """num/den over the window, when the window has enough events behind it.

    ``events`` is (the fewest denominator events that make a verdict, their name). With fewer in
    the window the metric is insufficient_data, with the count: the server's lifetime counters are
    shown as evidence, with their origin, but never scored (they may be other clients' traffic, and
    old).
    """
    minimum, noun = events
    c = Counters(s, (num_key, *den_keys))
    num = c.delta(num_key)
    den = sum(c.delta(k) for k in den_keys)
    scope, low = "window", c.caveat()

    def ratio(n: int, d: int) -> float:
        if n < 0 or n > d > 0:
            raise Unmeasurable(f"inconsistent counters: {num_key} {n:,} against {'+'.join(den_keys)} {d:,}")
        value = empty if d <= 0 else n / d
        return round(1.0 - value if invert and d > 0 else value, 6)

    if den < minimum:
        life_num, life_den = c.now(num_key), sum(c.now(k) for k in den_keys)
        lifetime = ratio(life_num, life_den) if life_den > 0 and 0 <= life_num <= life_den else None
        return insufficient(
            f"{den:,} {noun} in the window, {minimum:,} needed for a verdict: audit for longer or under more "
            "traffic (the server's lifetime counters are not scored: they count every client since it started)",
            ratio(num, den) if den > 0 else None,
            events=den,
            needed=minimum,
            window_s=round(s.window_s, 2),
            lifetime={"ratio": lifetime, "events": life_den, "since_h": round(c.uptime / 3600, 1)},
        )
    return measured(
        ratio(num, den),
        low_confidence=low,
        scope=scope,
        counters={num_key: num, "+".join(den_keys): den},
        window_s=round(s.window_s, 2),
    )


@audit(
    "mysql.innodb_read_efficiency",
    title="InnoDB buffer pool read efficiency",
    unit="ratio",
    category=CATEGORY,
    description="read requests served from the buffer pool / all read requests, over the window",
    source="https://mariadb.com/kb/en/innodb-buffer-pool/",
)
@judged_on_data
def innodb_read_efficiency(s: MySQLSnapshot) -> Outcome:
    out = _ratio(
        s,
        "Innodb_buffer_pool_read_requests",
        ("Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads"),
        events=(1000, "buffer pool reads"),
        empty=1.0,
    )
    pool, data = _int(s.variables, "innodb_buffer_pool_size"), s.innodb_data_bytes
    if not pool or data is None:
        return out
    # MySQLTuner's rule: the buffer pool should hold all InnoDB data and indexes.
    advice = (
        f"buffer pool {pool / MB:,.0f} MB for {data / MB:,.0f} MB of InnoDB data and indexes: "
        f"set innodb_buffer_pool_size >= {_round_up_mb(data * 1.1):,} MB"
        if data > pool
        else None
    )
    evidence = {
        **(out.evidence or {}),
        "buffer_pool_mb": round(pool / MB),
        "innodb_data_mb": round(data / MB),
        **dataset_evidence(s),
    }
    return replace(out, summary=out.summary or advice, evidence=evidence)


def _round_up_mb(nbytes: float) -> int:
    """Up to the next 128 MB, the buffer pool's chunk size by default."""
    chunk = 128
    return int(-(-nbytes // (chunk * MB)) * chunk)


@audit(
    "mysql.tmp_disk_table_ratio",
    title="Temporary tables created on disk",
    unit="ratio",
    category=CATEGORY,
    description="Created_tmp_disk_tables / Created_tmp_tables over the window",
    source="https://dev.mysql.com/doc/refman/8.0/en/internal-temporary-tables.html",
)
@judged_on_data
def tmp_disk_table_ratio(s: MySQLSnapshot) -> Outcome:
    return _ratio(s, "Created_tmp_disk_tables", ("Created_tmp_tables",), events=(20, "temporary tables"), empty=0.0)


@audit(
    "mysql.thread_cache_hit_ratio",
    title="Thread cache hit ratio",
    unit="ratio",
    category=CATEGORY,
    description="1 - Threads_created / Connections over the window",
    source="https://dev.mysql.com/doc/refman/8.0/en/connection-interfaces.html",
)
def thread_cache_hit_ratio(s: MySQLSnapshot) -> Outcome:
    return _ratio(s, "Threads_created", ("Connections",), events=(CONNECTIONS, "connections"), empty=1.0, invert=True)


@audit(
    "mysql.aborted_connects_ratio",
    title="Aborted connection attempts",
    unit="ratio",
    category=CATEGORY,
    description="Aborted_connects / Connections over the window",
    source="https://mariadb.com/kb/en/server-status-variables/#aborted_connects",
)
def aborted_connects_ratio(s: MySQLSnapshot) -> Outcome:
    return _ratio(s, "Aborted_connects", ("Connections",), events=(CONNECTIONS, "connections"), empty=0.0)


@audit(
    "mysql.slow_query_ratio",
    title="Slow queries of all questions",
    unit="ratio",
    category=CATEGORY,
    description="Slow_queries / Questions over the window",
    source="https://dev.mysql.com/doc/refman/8.0/en/mysqldumpslow.html",
)
@judged_on_data
def slow_query_ratio(s: MySQLSnapshot) -> Outcome:
    return _ratio(s, "Slow_queries", ("Questions",), events=(1000, "questions"), empty=0.0)


@audit(
    "mysql.connections_used_ratio",
    title="Peak connections used of max_connections",
    unit="ratio",
    category=CATEGORY,
    description="Max_used_connections / max_connections (since the server started)",
    source="https://mariadb.com/docs/server/ha-and-performance/optimization-and-tuning/system-variables/handling-too-many-connections",
)
def connections_used_ratio(s: MySQLSnapshot) -> Outcome:
    c = Counters(s)
    max_conn = _int(s.variables, "max_connections")
    if not max_conn:
        return unavailable("max_connections is not readable (SHOW GLOBAL VARIABLES gave nothing)")
    used = c.now("Max_used_connections")
    return measured(
        round(used / max_conn, 6),
        low_confidence=c.caveat(),
        max_used_connections=used,
        max_connections=max_conn,
    )


@audit(
    "mysql.joins_without_index_per_day",
    title="Joins without an index, per day",
    unit="joins/day",
    category=CATEGORY,
    description="Select_full_join + Select_range_check over the window, per day",
    source="https://mariadb.com/kb/en/server-status-variables/#select_full_join",
)
@judged_on_data
def joins_without_index_per_day(s: MySQLSnapshot) -> Outcome:
    keys = ("Select_range_check", "Select_full_join")
    c = Counters(s, keys)
    if s.window_s <= 0:
        return unavailable("the window has no duration: no rate can be computed")
    joins = sum(c.delta(k) for k in keys)
    lifetime = sum(c.now(k) for k in keys)
    return measured(
        round(joins / s.window_s * DAY, 1),
        low_confidence=c.caveat(),
        window_joins=joins,
        window_s=round(s.window_s, 2),
        lifetime_per_day=round(lifetime / max(c.uptime, 1) * DAY, 1),
    )


@audit(
    "mysql.durability",
    title="Durable commit settings",
    category=CATEGORY,
    description="innodb_flush_log_at_trx_commit = 1 and, with a binlog, sync_binlog = 1",
    source="https://mariadb.com/kb/en/innodb-system-variables/#innodb_flush_log_at_trx_commit",
)
def durability(s: MySQLSnapshot) -> Outcome:
    v = s.variables
    if "innodb_flush_log_at_trx_commit" not in v:
        return unavailable("innodb_flush_log_at_trx_commit is not readable")
    flush = v.get("innodb_flush_log_at_trx_commit")
    durable = flush == "1" and (v.get("log_bin", "OFF") == "OFF" or v.get("sync_binlog") == "1")
    return measured(
        durable,
        innodb_flush_log_at_trx_commit=flush,
        log_bin=v.get("log_bin"),
        sync_binlog=v.get("sync_binlog"),
    )


@audit(
    "mysql.slow_query_log",
    title="MySQL slow query log on",
    category="monitoring",
    description="slow_query_log = ON, with its threshold and file",
    source="https://mariadb.com/kb/en/slow-query-log-overview/",
)
def slow_query_log(s: MySQLSnapshot) -> Outcome:
    v = s.variables
    if "slow_query_log" not in v:
        return unavailable("slow_query_log is not readable")
    return measured(
        v["slow_query_log"] == "ON",
        long_query_time=v.get("long_query_time"),
        slow_query_log_file=v.get("slow_query_log_file"),
    )


# ---------------------------------------------------------------------------- statements


def _scans_in(plan: list[PlanRow]) -> list[PlanRow]:
    """Rows of a plan that read a whole table (ALL) or a whole index (index), over enough rows to matter."""
    return [r for r in plan if (r.type or "").upper() in ("ALL", "INDEX") and r.rows >= FULL_SCAN_MIN_ROWS]


def own_runs(s: MySQLSnapshot) -> Counter[str]:
    """Perfscore's own statements inside the window, by normalized text (its status and digest reads)."""
    runs: Counter[str] = Counter()
    for st in s.own_statements:
        runs[normalize_sql(st.sql)] += st.runs
    return runs


def digest_deltas(s: MySQLSnapshot) -> list[tuple[DigestRow, DigestRow, int]]:
    """(after, before, runs) of each digest the app ran during the window; a truncated table counts from zero.
    Perfscore's own statements are taken out by their text: what is left is the app's."""
    earlier = {d.digest: d for d in s.digests_before or []}
    own = own_runs(s)
    out = []
    for d in s.digests_after or []:
        b = earlier.get(d.digest, DigestRow(digest=d.digest))
        if d.count_star < b.count_star:  # the digest table was truncated during the window
            b = DigestRow(digest=d.digest)
        runs = d.count_star - b.count_star
        mine = own.pop(normalize_sql(d.text), 0) if runs > 0 else 0
        if runs - mine > 0:
            out.append((d, b, runs - mine))
    return out


def _from_digests(s: MySQLSnapshot) -> list[dict[str, Any]]:
    """Statements that ran during the window mostly without an index over many rows (sys schema's check)."""
    found: list[dict[str, Any]] = []
    for d, b, runs in digest_deltas(s):
        no_index = d.sum_no_index_used - b.sum_no_index_used
        examined = d.sum_rows_examined - b.sum_rows_examined
        if no_index / runs <= 0.5 or examined / runs < FULL_SCAN_MIN_ROWS:
            continue
        if re.search(r"\b(information_schema|performance_schema)\b", d.text, re.I):
            continue  # perfscore's own catalogue reads
        table = re.search(r"\bFROM\s+`?(\w+)`?", d.text, re.I)
        found.append(
            {
                "statement": d.text,
                "table": table.group(1) if table else "?",
                "rows": examined // runs,
                "executions": runs,
                "seconds": _digest_seconds(d, b),
                "source": "performance_schema digest",
            }
        )
    found.sort(key=lambda f: -int(f["rows"]) * int(f["executions"]))
    return found


def _hot(
    scans: list[dict[str, Any]], w: WindowSnapshot | None, min_runs: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(hot, rare). A scan seen fewer than ``min_runs`` times is a cache refill after a flush; an aggregate over
    a whole table (no WHERE) run less than once in HOT_PER requests is a cache refill too (the dashboard's
    totals, recomputed by the eight workers that missed the cache together). Neither is judged, both are
    listed, so audits of an unchanged stack agree. A scan with a WHERE is judged however rarely it ran: a
    missing index behind a cache still costs every miss, and the slowest scans are the rarest."""
    try:
        requests = window_requests(w) if w is not None else None
    except (Unmeasurable, NotEnoughData):
        requests = None  # no per-request rate to hold an aggregate to
    hot: list[dict[str, Any]] = []
    rare: list[dict[str, Any]] = []
    for f in scans:
        runs = int(f.get("executions") or 0)
        refill = requests is not None and runs * HOT_PER < requests and unindexable(str(f["statement"])) == WHY_NO_WHERE
        (rare if runs < min_runs or refill else hot).append(f)
    return hot, rare


def _digest_seconds(d: DigestRow, b: DigestRow) -> float | None:
    if d.sum_timer_wait_ps is None:
        return None
    return round(max(d.sum_timer_wait_ps - (b.sum_timer_wait_ps or 0), 0) / 1e12, 6)


def saving_per_request(seconds: float, w: WindowSnapshot | None, basis: str) -> dict[str, Any]:
    """The evidence keys the roadmap ranks by: time the app would not spend per request (ms), and why."""
    if w is None or w.load is None or not seconds:
        return {}
    try:
        requests = window_requests(w)
    except (Unmeasurable, NotEnoughData):
        return {}
    return {"saving_ms": round(seconds * 1000 / requests, 3), "saving_basis": f"{basis} ({seconds:,.2f} s over "
            f"{requests:,} requests)"}  # fmt: skip


def _from_slow_log(s: MySQLSnapshot) -> list[dict[str, Any]]:
    """The slow log's statements whose plan scans a whole table (each with its executions in the window)."""
    return [
        {
            "statement": st.sql.strip()[:2000],
            "table": row.table,
            "rows": row.rows,
            "executions": st.executions,
            "seconds": st.total_s,
            "source": "slow_log + EXPLAIN",
        }
        for st in s.slow_log or []
        for row in _scans_in(st.plan or [])
    ]


def _from_explain(s: MySQLSnapshot) -> list[dict[str, Any]]:
    return [
        {
            "query": q.name,
            "statement": q.sql.strip(),
            "table": row.table,
            "rows": row.rows,
            "source": "EXPLAIN",
            "extra": row.extra,
        }
        for q in s.queries
        for row in _scans_in(q.plan)
    ]


# Patterns no B-tree index can serve, and what does (the index advice would not help them). Statements
# are cut to MAX_SQL characters (perfscore.sqltext) and every pattern is linear: SQL text can come from anyone.
LEADING_WILDCARD = re.compile(r"\bLIKE\s+(?:_\w+\s*)?(?:['\"]%|CONCAT\s*\(\s*['\"]%)", re.I)
WHERE_END = re.compile(r"\b(?:GROUP\s+BY|ORDER\s+BY|LIMIT|HAVING|UNION|FOR\s+UPDATE)\b|;", re.I)
FUNC_ON_COLUMN = re.compile(
    r"\b(?:LOWER|UPPER|DATE|YEAR|MONTH|DAY|SUBSTR(?:ING)?|TRIM|LEFT|RIGHT|CAST|CONVERT|IFNULL|COALESCE)"
    r"\s*\(\s*(?:\w+\.)?\w+\s*[),]",
    re.I,
)
OR_TOKENS = re.compile(r"(\()|(\))|\b(OR)\b|(?:\w+\.)?(\w+)\s*(?:<=|>=|<>|!=|=|<|>|\bLIKE\b|\bIN\b|\bBETWEEN\b)", re.I)
WHY_WILDCARD = (
    "a LIKE with a leading wildcard cannot use a B-tree index: use a FULLTEXT index (MATCH … AGAINST) or "
    "a search engine, or cache the results"
)
WHY_FUNCTION = (
    "a function on a column hides it from its index: compare the bare column, or index a generated column "
    "that holds the function's result"
)
WHY_OR = (
    "an OR across different columns defeats a single index: split it into a UNION of indexed lookups, or "
    "index each column (index merge)"
)
WHY_NO_WHERE = "it reads every row by design (no WHERE): keep a counter or summary table, or cache the result"


def _where(bare: str) -> str | None:
    m = re.search(r"\bWHERE\b", bare, re.I)
    if m is None:
        return None
    rest = bare[m.end() :]
    end = WHERE_END.search(rest)
    return rest[: end.start()] if end else rest


def _or_across_columns(where: str) -> bool:
    """An OR whose two sides compare different columns, at the same parenthesis depth."""
    last: dict[int, str] = {}
    pending: dict[int, str] = {}
    depth = 0
    for m in OR_TOKENS.finditer(where):
        opened, closed, orr, column = m.groups()
        if opened:
            depth += 1
            continue
        if closed:
            depth = max(depth - 1, 0)
            col = "(group)"
        elif orr:
            if depth in last:
                pending[depth] = last[depth]
            continue
        else:
            col = column.lower()
        if depth in pending and pending.pop(depth) != col:
            return True
        last[depth] = col
    return False


def unindexable(statement: str) -> str | None:
    """Why no ordinary index helps this statement, and what does; None when an index may."""
    text = statement[:MAX_SQL]
    if LEADING_WILDCARD.search(text):
        return WHY_WILDCARD
    bare = LITERAL.sub("?", text).replace("`", "")
    where = _where(bare)
    if where is None:
        return WHY_NO_WHERE if re.match(r"\s*\(?\s*SELECT\b", bare, re.I) else None
    if FUNC_ON_COLUMN.search(where):
        return WHY_FUNCTION
    if _or_across_columns(where):
        return WHY_OR
    return None


HOT_RUNS = 5  # runs in the window that make a statement the app's: one run after a cache flush is not
HOT_PER = 200  # a whole-table aggregate run less than once per this many requests: 8 workers refilling a cache
HYPOTHETICAL_WEIGHT = 0.5  # a configured query not seen running counts half: what it would do, not what it did


@audit(
    "mysql.full_scan_statements",
    title="Hot statements that scan a whole table",
    unit="statements",
    category=CATEGORY,
    description="statements of the window (digests, slow log) whose plan scans ≥ 1,000 rows, each 1; configured "
    "queries that would, not seen running in the window, ½ each (what they would do, not what they did)",
    source="https://dev.mysql.com/doc/refman/8.0/en/sys-statements-with-full-table-scans.html",
)
@judged_on_data
def full_scan_statements(s: MySQLSnapshot, w: WindowSnapshot | None) -> Outcome:
    digests: list[dict[str, Any]] | None = None
    rare: list[dict[str, Any]] = []
    if s.digests_after is not None:
        digests, rare = _hot(_from_digests(s), w, HOT_RUNS)
    slow = None
    if s.slow_log is not None:  # a slow-log entry is slow by definition: one run is enough to judge it
        slow, rare_slow = _hot(_from_slow_log(s), w, 1)
        listed = {(normalize_sql(str(r["statement"])), r["table"]) for r in rare}
        rare += [f for f in rare_slow if (normalize_sql(str(f["statement"])), f["table"]) not in listed]
    if digests is None and slow is None and not s.queries:
        return unavailable("performance_schema is off, the slow log is not in a table and no queries are configured")
    # What ran in the window, by normalized text: every digest that ran, every slow-log statement.
    seen: set[str] | None = None
    if s.digests_after is not None or s.slow_log is not None:
        seen = {normalize_sql(d.text) for d, _, _ in digest_deltas(s)}
        seen |= {normalize_sql(st.sql) for st in s.slow_log or []}
        seen -= {normalize_sql(str(f["statement"])) for f in rare}  # a refill: what it would do, not the app's
    # Digests and the slow log say what the app ran; EXPLAIN covers the configured queries even when a
    # cache kept them from the server, as hypotheses.
    scans: list[dict[str, Any]] = []
    keys: set[tuple[str, str | None]] = set()
    for found in _from_explain(s):
        key = (normalize_sql(str(found["statement"])), found["table"])
        seen_it = None if seen is None else key[0] in seen
        scans.append({**found, "ran_in_window": seen_it})
        keys.add(key)
    for found in (digests or []) + (slow or []):
        key = (normalize_sql(str(found["statement"])), found["table"])
        if key not in keys:
            scans.append({**found, "ran_in_window": True})
            keys.add(key)
    for f in scans:
        f["unindexable"] = unindexable(str(f["statement"]))
    ran = [f for f in scans if f["ran_in_window"]]
    would = [f for f in scans if not f["ran_in_window"]]

    def line(f: dict[str, Any]) -> str:
        text = " ".join(str(f["statement"]).split())[:160]
        if f["ran_in_window"]:
            return f"{f['table']}: full scan of ~{f['rows']:,} rows in {text}"
        if f["ran_in_window"] is None:
            return (
                f"{f['table']}: would scan ~{f['rows']:,} rows (configured query; whether it ran is unknown) in {text}"
            )
        return f"{f['table']}: would scan ~{f['rows']:,} rows (configured query, not seen running) in {text}"

    ordered = ran + would
    summary = "; ".join(line(f) for f in ordered[:3])
    sources = [
        name
        for name, used in (("performance_schema", digests), ("slow_log", slow), ("EXPLAIN", s.queries or None))
        if used is not None
    ]
    failed = [q.name for q in s.queries if q.error]
    advice = None
    if ordered and ordered[0]["unindexable"]:
        advice = f"{ordered[0]['table']}: {ordered[0]['unindexable']}"
        if any(not f["unindexable"] for f in ordered[1:]):
            advice += "; for the other statements, index the columns they filter and sort by"
    spent = sum(float(f.get("seconds") or 0.0) for f in ran)
    saving = saving_per_request(spent, w, "the scanning statements' time in the window")
    return measured(
        float(len(ran) + HYPOTHETICAL_WEIGHT * len(would)),
        low_confidence=f"configured queries not EXPLAINed (they failed): {', '.join(failed)}" if failed else None,
        summary=summary or None,
        advice=advice,
        statements=ordered,
        rare=[
            f"{f['table']}: ran {f['executions']}x "
            + (
                f"(fewer than {HOT_RUNS}"
                if int(f["executions"]) < HOT_RUNS
                else f"(an aggregate, under 1 request in {HOT_PER}"
            )
            + ": a cache refill, not judged): "
            f"{' '.join(str(f['statement']).split())[:160]}"
            for f in rare[:5]
        ],
        ran_in_window=len(ran),
        **saving,
        not_seen_running=len(would),
        sources=sources,
    )


@audit(
    "mysql.query_p95_latency",
    title="p95 latency of the configured read queries",
    unit="ms",
    category=CATEGORY,
    description="each configured SELECT timed up to 20 times (2 s budget each); p95 over all runs",
    source="https://mariadb.com/kb/en/explain/",
)
@judged_on_data
def query_p95_latency(s: MySQLSnapshot) -> Outcome:
    if not s.queries:
        return unavailable("no read-only queries configured to time")
    timed = [q for q in s.queries if q.timings_ms]
    failed = {q.name: q.error for q in s.queries if q.error}
    if not timed:
        first = next(iter(failed.items()), ("", "no timing"))
        return unavailable(f"no configured query could be timed ({first[0]}: {first[1]})")
    per_query = {
        q.name: {
            "runs": len(q.timings_ms),
            "p50_ms": round(statistics.median(q.timings_ms), 3),
            "p95_ms": round(p95(q.timings_ms), 3),
        }
        for q in timed
    }
    samples = [t for q in timed for t in q.timings_ms]
    slowest = max(timed, key=lambda q: per_query[q.name]["p95_ms"])
    return measured(
        round(p95(samples), 3),
        low_confidence=f"{len(failed)} configured queries failed: {', '.join(failed)}" if failed else None,
        summary=f"slowest: {slowest.name} (p95 {per_query[slowest.name]['p95_ms']:.1f} ms): "
        f"{slowest.sql.strip()[:160]}",
        p50_ms=round(statistics.median(samples), 3),
        queries=per_query,
        failed=failed,
    )


# ---------------------------------------------------------------------------- schema and topology


@audit(
    "mysql.redundant_indexes",
    title="Redundant or duplicate indexes",
    unit="indexes",
    category=CATEGORY,
    description="non-unique indexes whose columns are a left prefix of another index on the same table",
    source="https://dev.mysql.com/doc/refman/8.0/en/sys-schema-redundant-indexes.html",
)
def redundant_indexes(s: MySQLSnapshot) -> Outcome:
    if s.indexes is None:
        return unavailable("no database configured")
    tables: dict[str, dict[str, tuple[list[str], bool]]] = defaultdict(dict)
    for r in s.indexes:
        cols, unique = tables[r.table].get(r.index, ([], not r.non_unique))
        cols.append(r.column)
        tables[r.table][r.index] = (cols, unique)
    engines = {t.table: (t.engine or "").lower() for t in s.tables or []}
    found = []
    for table, idx in tables.items():
        for name, (cols, unique) in idx.items():
            if name == "PRIMARY" or unique:
                continue
            for other, (ocols, ounique) in idx.items():
                # Covered by a longer index, by a unique key (or PRIMARY) on the same columns whatever
                # its name, or by an identical non-unique index whose name sorts first (counted once).
                wider = len(ocols) > len(cols) or ounique or other == "PRIMARY" or other < name
                if other != name and ocols[: len(cols)] == cols and wider:
                    found.append({"table": table, "index": name, "columns": cols, "covered_by": other})
                    break
            else:
                pk = idx.get("PRIMARY", ([], True))[0]
                if engines.get(table, "innodb") == "innodb" and (short := _clustered_suffix(cols, pk)) is not None:
                    found.append(_shorten(s.database, table, name, cols, short))
    summary = "; ".join(
        f"{f['table']}.{f['index']} is covered by {f['covered_by']}"
        if f.get("covered_by")
        else f"{f['table']}.{f['index']} ends with the primary key InnoDB appends anyway: shorten it to "
        f"({', '.join(f['shorten_to'])})"
        for f in found[:3]
    )
    return measured(float(len(found)), summary=summary or None, indexes=found)


def _clustered_suffix(cols: list[str], pk: list[str]) -> list[str] | None:
    """The index without the trailing columns that begin the primary key: InnoDB appends the primary key to
    every secondary index, so ``(borrower_id, id)`` with ``PRIMARY (id)`` is ``(borrower_id)`` twice over
    (pt-duplicate-key-checker: "ends with a prefix of the clustered index")."""
    for k in range(min(len(cols) - 1, len(pk)), 0, -1):
        if cols[-k:] == pk[:k]:
            return cols[:-k]
    return None


def _shorten(db: str | None, table: str, name: str, cols: list[str], short: list[str]) -> dict[str, Any]:
    where = f"`{db}`.`{table}`" if db else f"`{table}`"
    keep = ",".join(f"`{c}`" for c in short)
    return {
        "table": table,
        "index": name,
        "columns": cols,
        "shorten_to": short,
        "alter": f"ALTER TABLE {where} DROP INDEX `{name}`, ADD INDEX `{name}` ({keep});",
    }


@audit(
    "mysql.replicas",
    title="Read replicas serving",
    unit="replicas",
    category=CATEGORY,
    description="rows of SHOW REPLICA HOSTS; when the server is itself a replica, its source and lag",
    source="https://mariadb.com/kb/en/setting-up-replication/",
)
def replicas(s: MySQLSnapshot, c: ClusterSnapshot | None) -> Outcome:
    if not s.replicas_expected:  # the operator's intent, whether or not replicas can be listed
        hosts = s.replica_hosts
        return not_applicable("no replicas expected (replicas_expected: false)", float(hosts) if hosts else 0.0)
    # A configured replica that answers as a replica exists, even with its I/O thread stopped (then it is not
    # connected, so SHOW REPLICA HOSTS omits it): its fault is mysql.replication_healthy's, not "add a replica".
    configured = sum(1 for r in (c.replicas if c else []) if r.error is None)
    if s.replica_hosts is None and not configured:
        return unavailable(f"cannot list replicas: {(s.replica_hosts_error or 'no statement worked')[:240]}")
    count = max(s.replica_hosts or 0, configured)
    return measured(float(count), this_server_replicates=s.replica_of, connected=s.replica_hosts, configured=configured)


CHURN = 0.05  # new connections per request above which the summary names the churn
N_PLUS_ONE = 20  # statements per request above which the summary suspects a loop of queries
N_PLUS_ONE_REPEATS = 5  # runs of one statement per request above which the summary names it as an N+1 loop
TOP_STATEMENTS = 5
DML = re.compile(r"^\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


@audit(
    "mysql.connections_per_request",
    title="New database connections per HTTP request",
    unit="connections/request",
    category=CATEGORY,
    description="Connections opened during the window / HTTP requests the audit sent in it (≈ 0 when persistent)",
    source="https://www.php.net/manual/en/pdo.connections.php",
)
def connections_per_request(s: MySQLSnapshot, w: WindowSnapshot) -> Outcome:
    requests = window_requests(w)
    c = Counters(s, ("Connections",))
    connections = c.delta("Connections")
    per = round(connections / requests, 4)
    churn = (
        f"{connections:,} new database connections for {requests:,} requests ({per:g} per request, "
        f"{connections / max(s.window_s, 1e-6):,.0f}/s): the app connects per page"
        if per >= CHURN
        else None
    )
    return measured(
        per,
        low_confidence=c.caveat(),
        summary=churn,
        connections=connections,
        requests=requests,
        window_s=round(s.window_s, 2),
        **_window_times(s),
    )


def _goodbyes(s: MySQLSnapshot) -> int:
    """Connections closed politely in the window: MariaDB counts each client's goodbye (COM_QUIT) as a
    question, so an app that connects per page would show one statement more per page than it sends.
    New connections, less the failed attempts and the clients that vanished without one."""
    keys = ("Connections", "Aborted_clients", "Aborted_connects")
    if not all(k in s.status_before and k in s.status_after for k in keys):
        return 0
    try:
        c = Counters(s, keys)
        return max(c.delta("Connections") - c.delta("Aborted_clients") - c.delta("Aborted_connects"), 0)
    except Unmeasurable:
        return 0


def _window_times(s: MySQLSnapshot) -> dict[str, Any]:
    """When the counters were sampled (unix time): to set the figures beside the app's own logs."""
    if s.window_began is None or s.window_ended is None:
        return {}
    return {"window_began": s.window_began, "window_ended": s.window_ended}


@audit(
    "mysql.queries_per_request",
    title="SQL statements per HTTP request",
    unit="queries/request",
    category=CATEGORY,
    description="Questions during the window / HTTP requests the audit sent in it; temporary tables per request",
    source="https://mariadb.com/kb/en/performance-schema-events_statements_summary_by_digest-table/",
)
def queries_per_request(s: MySQLSnapshot, w: WindowSnapshot) -> Outcome:
    requests = window_requests(w)
    c = Counters(s, ("Questions",))
    mine = sum(own_runs(s).values())  # perfscore's own status and digest reads
    quits = _goodbyes(s)
    questions = max(c.delta("Questions") - mine - quits, 0)
    per = round(questions / requests, 3)
    tmp = Counters(s, ("Created_tmp_tables",))
    tmp_per = round(tmp.delta("Created_tmp_tables") / requests, 3) if "Created_tmp_tables" in s.status_after else None
    top, in_digests = _repeated(s, requests)
    summary = None
    saving: dict[str, Any] = {}
    if top and top[0]["per_request"] >= N_PLUS_ONE_REPEATS:
        summary = (
            f"one statement ran {top[0]['per_request']:g} times per request ({top[0]['runs']:,} runs): an N+1 loop; "
            f"load the rows in one query: {top[0]['statement'][:160]}"
        )
        if top[0].get("seconds"):  # one query instead of the loop: all but one run per request saved
            loop_share = max(1.0 - 1.0 / top[0]["per_request"], 0.0)
            saving = saving_per_request(top[0]["seconds"] * loop_share, w, "the loop's statements but one per request")
    elif per >= N_PLUS_ONE:
        summary = f"{questions:,} SQL statements for {requests:,} requests ({per:g} per request): look for N+1 loops"
    return measured(
        per,
        low_confidence=c.caveat(),
        summary=summary,
        questions=questions,
        perfscore_statements=mine,
        connection_goodbyes=quits,
        requests=requests,
        **_window_times(s),
        tmp_tables_per_request=tmp_per,
        **saving,
        top_statements=top,
        digests="performance_schema off: no per-statement counts"
        if s.digests_after is None
        else f"{min(in_digests / max(questions, 1), 1.0):.0%} of the statements left a digest"
        + (" (MariaDB keeps none of server-side prepared statements)" if _mariadb(s) else ""),
    )


def _mariadb(s: MySQLSnapshot) -> bool:
    return "mariadb" in (s.variables.get("version", "") + s.variables.get("version_comment", "")).lower()


def _repeated(s: MySQLSnapshot, requests: int) -> tuple[list[dict[str, Any]], int]:
    """The statements (digests) the window ran most often with their runs per HTTP request; all digest runs."""
    if s.digests_after is None:
        return [], 0
    runs = digest_deltas(s)
    # The app's reads and writes; not BEGIN/COMMIT/SET, nor the row a full digest table lumps the rest into.
    dml = sorted(((d, n) for d, _, n in runs if d.digest and DML.match(d.text)), key=lambda x: -x[1])
    seconds = {d.digest: _digest_seconds(d, b) for d, b, _ in runs}
    top = [
        {"statement": d.text[:400], "runs": n, "per_request": round(n / requests, 2), "seconds": seconds.get(d.digest)}
        for d, n in dml[:TOP_STATEMENTS]
    ]
    return top, sum(n for _, _, n in runs)
