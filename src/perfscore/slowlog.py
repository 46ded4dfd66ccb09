"""The MySQL/MariaDB slow query log file, read as a stream, and its statements folded into classes by their
fingerprint, as pt-query-digest folds them (``perfscore.sqltext.normalize_sql``): executions, total and longest
time, rows examined, and one sample of the statement as it ran.

The file's entries (MariaDB 10.x and MySQL 8 write the same shape)::

    # Time: 261206 20:43:51                      (only when the second changed)
    # User@Host: app[app] @ localhost []
    # Thread_id: 7  Schema: loanflow  QC_hit: No (MariaDB)
    # Query_time: 0.114821  Lock_time: 0.000361  Rows_sent: 0  Rows_examined: 20000
    use `loanflow`;                              (only when the schema changed)
    SET timestamp=1796589831;
    SELECT …;                                    (one line or many)

A server that restarts writes its banner again (``…, Version: … started with:``, ``Tcp port: …``,
``Time  Id Command  Argument``): those lines end an entry and are no statement. Bounded: a statement is cut at
MAX_SQL characters, and past MAX_CLASSES fingerprints the rest are counted together, not kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from perfscore.sqltext import normalize_sql

MAX_SQL = 4000
MAX_CLASSES = 5000

QUERY_TIME = re.compile(
    r"^# Query_time:\s*(\d+(?:\.\d+)?)\s+Lock_time:\s*[\d.]+\s+Rows_sent:\s*\d+\s+Rows_examined:\s*(\d+)"
)
SCHEMA = re.compile(r"\bSchema: ?(\S*)")  # MariaDB writes "Schema:   QC_hit:" for a connection with no database
TIMESTAMP = re.compile(r"^SET\s+timestamp\s*=\s*(\d+)\s*;", re.I)
USER = re.compile(r"^# User@Host:\s*[^\[]*\[([^\]]*)\]")  # the login user, in brackets
USE = re.compile(r"^use\s+`?([^`;\s]+)`?\s*;\s*$", re.I)
BANNER = re.compile(r"^(?:\S.*, Version: .*started with:|Tcp port: \d+|Time\s+Id\s+Command\s+Argument)")


@dataclass
class Entry:
    ts: float | None
    query_s: float
    rows_examined: int
    schema: str | None
    sql: str
    user: str | None = None


@dataclass
class StatementClass:
    sample: str  # the first statement of the class as it ran (values filled in: EXPLAIN can read it)
    executions: int = 0
    total_s: float = 0.0
    max_s: float = 0.0
    rows_examined: int = 0


class _Open:
    """The entry being read."""

    def __init__(self, schema: str | None) -> None:
        self.user: str | None = None
        self.ts: float | None = None
        self.query_s: float | None = None
        self.rows = 0
        self.schema = schema
        self.sql: list[str] = []
        self.size = 0

    def add(self, line: str) -> None:
        if self.size < MAX_SQL:
            self.sql.append(line[: MAX_SQL - self.size])
            self.size += len(line)

    def done(self) -> Entry | None:
        text = "\n".join(self.sql).strip()
        if self.query_s is None or not text:
            return None
        return Entry(self.ts, self.query_s, self.rows, self.schema, text, self.user)


def entries(lines: Iterable[str], schema: str | None = None) -> Iterator[Entry]:
    """Each statement of the log with its time, duration, rows examined and schema; lines that belong to no
    entry (a banner, a torn first entry) are passed over. ``schema``: the database in use where the lines
    begin (MySQL 8 writes ``use db;`` only when it changes: a read that starts mid-file finds it before)."""
    cur: _Open | None = None
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith(("# Time:", "# User@Host:")) or BANNER.match(line):
            if cur is not None and (e := cur.done()) is not None:
                yield e
            cur = None if BANNER.match(line) else _Open(schema)  # "# Time:" then "# User@Host:": one entry
            if cur is not None and (m := USER.match(line)):
                cur.user = m.group(1)
            continue
        if cur is None:
            continue
        if line.startswith("#"):
            if m := QUERY_TIME.match(line):
                cur.query_s, cur.rows = float(m.group(1)), int(m.group(2))
            elif m := SCHEMA.search(line):
                cur.schema = m.group(1) or ""  # "": no database (never the previous entry's)
                schema = cur.schema or schema
            continue
        if not cur.sql:
            if m := TIMESTAMP.match(line):
                cur.ts = float(m.group(1))
                continue
            if m := USE.match(line):
                cur.schema = schema = m.group(1)
                continue
        cur.add(line)
    if cur is not None and (e := cur.done()) is not None:
        yield e


def fold(
    found: Iterable[Entry], *, since: float | None = None, until: float | None = None, schema: str | None = None
) -> tuple[list[StatementClass], int]:
    """The statements of [since, until] (of ``schema`` when given), one class per fingerprint, by total time
    (most first); and how many executions fell past MAX_CLASSES fingerprints (counted, not kept)."""
    classes: dict[str, StatementClass] = {}
    overflow = 0
    for e in found:
        if since is not None and (e.ts is None or e.ts < since):
            continue
        if until is not None and e.ts is not None and e.ts > until:
            continue
        if schema and e.schema != schema:  # an entry of no known database is not the app's
            continue
        key = normalize_sql(e.sql)
        c = classes.get(key)
        if c is None:
            if len(classes) >= MAX_CLASSES:
                overflow += 1
                continue
            c = classes[key] = StatementClass(sample=e.sql)
        c.executions += 1
        c.total_s += e.query_s
        c.max_s = max(c.max_s, e.query_s)
        c.rows_examined += e.rows_examined
    return sorted(classes.values(), key=lambda c: -c.total_s), overflow


def fold_rows(rows: Iterable[tuple[str, int, float, float, int]]) -> list[StatementClass]:
    """``mysql.slow_log`` rows grouped by text (sql, runs, total s, max s, rows examined), folded into classes by
    fingerprint as ``fold`` folds the file's entries: by total time, most first."""
    classes: dict[str, StatementClass] = {}
    for sql, runs, total, longest, examined in rows:
        c = classes.setdefault(normalize_sql(sql), StatementClass(sample=sql))
        c.executions += runs
        c.total_s += total
        c.max_s = max(c.max_s, longest)
        c.rows_examined += examined
    return sorted(classes.values(), key=lambda c: -c.total_s)


PROBE = 64 * 1024  # read from a probed offset to find the next entry's timestamp


STAMP = re.compile(rb"\n# Query_time:[^\n]*\n(?:#[^\n]*\n)*(?:use [^\n]*\n)?SET\s+timestamp\s*=\s*(\d+)\s*;", re.I)
SLACK_S = 3600  # entries are written as statements end, stamped with their start: an hour-long one is out of order
USE_LINE = re.compile(rb"(?m)^use\s+`?([^`;\s]+)`?\s*;")
USE_BACK = 16 * 1024 * 1024  # how far back a read that starts mid-file looks for the database in use


def _stamp_after(fh: BinaryIO, offset: int) -> float | None:
    """The first entry's ``SET timestamp=`` at or after ``offset`` (within PROBE bytes), or None. Only a stamp
    that follows an entry's header counts: a statement's own text cannot move the search."""
    fh.seek(offset)
    m = STAMP.search(fh.read(PROBE))
    return float(m.group(1)) if m else None


def schema_before(fh: BinaryIO, offset: int) -> str | None:
    """The last ``use db;`` before ``offset`` (within USE_BACK bytes): the database of the entries after it."""
    end, floor = offset, max(0, offset - USE_BACK)
    while end > floor:
        start = max(floor, end - PROBE)
        fh.seek(start)
        found = list(USE_LINE.finditer(fh.read(min(offset, end + 64) - start)))  # 64: a line across the edge
        if found:
            return found[-1].group(1).decode("utf-8", "replace")
        end = start
    return None


def start_offset(fh: BinaryIO, since: float) -> int:
    """A byte offset at or before the first entry of ``since``, found by bisection (the file is in time order):
    a multi-GB log is read from near the period, not from its first byte. 0 when unsure."""
    fh.seek(0, 2)
    lo, hi = 0, fh.tell()
    for _ in range(40):
        if hi - lo <= PROBE:
            break
        mid = (lo + hi) // 2
        ts = _stamp_after(fh, mid)
        if ts is None or ts >= since - SLACK_S:  # an hour early: a long statement logged late is not skipped
            hi = mid
        else:
            lo = mid
    if lo == 0:
        return 0
    fh.seek(lo)
    head = fh.read(PROBE)
    at = head.find(b"\n# ")  # the start of an entry's header: no statement is cut in two
    return lo + at + 1 if at >= 0 else lo
