"""Locust results (``locust --headless --csv PREFIX``): PREFIX_stats.csv, and PREFIX_stats_history.csv
when it is there (the run's duration and its steps of users).

Locust keeps no per-request samples in its CSVs: the figures are its own aggregates. Its response-time
percentiles include failed requests and are bucketed (two significant digits above 100 ms), and it
records no status codes: said in the result's notes.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from perfscore.artifacts.ramp import RampStep
from perfscore.imports.base import EARLIEST_MS, LATEST_MS, Imported, Progress, bad, check_file, csv_rows
from perfscore.imports.samples import MIN_STEP_S
from perfscore.loadmodel import MAX_ENDPOINTS, EndpointResult, LoadResult, Percentiles

WHAT = "Locust results"
STATS = ("Type", "Name", "Request Count", "Failure Count", "Average Response Time", "Requests/s")
HISTORY = ("Timestamp", "User Count", "Name", "95%", "Total Request Count", "Total Failure Count")
MIN_STEP_ROWS = 3
CURRENT_WINDOW_S = 12  # Locust's "current" percentiles cover the seconds 12 to 2 before a row


def files_of(path: Path) -> tuple[Path, Path | None]:
    """PREFIX, PREFIX_stats.csv or PREFIX_stats_history.csv → (stats, history or None)."""
    name = path.name
    if not name or name in (".", ".."):
        raise bad(path, None, "give the Locust --csv prefix (or its _stats.csv), not a directory")
    for suffix in ("_stats_history.csv", "_stats.csv"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    stats = path.with_name(name + "_stats.csv")
    history = path.with_name(name + "_stats_history.csv")
    if not stats.exists():
        raise bad(path, None, f"no Locust {stats.name} here (give the --csv prefix or its _stats.csv)")
    return stats, history if history.exists() else None


def _rows(path: Path, required: tuple[str, ...], progress: Progress | None) -> Iterator[tuple[int, dict[str, str]]]:
    rows = csv_rows(path, WHAT, progress)
    try:
        _, header = next(rows)
    except StopIteration:
        raise bad(path, None, "is empty") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise bad(path, 1, f"not a Locust CSV: no {', '.join(missing)} column")
    for line, row in rows:
        if len(row) < len(header):
            raise bad(path, line, f"truncated: {len(row)} of {len(header)} fields")
        yield line, dict(zip(header, row, strict=False))


def _num(path: Path, line: int, row: dict[str, str], col: str, optional: bool = False) -> float | None:
    text = row.get(col, "").strip()
    if optional and text in ("", "N/A"):
        return None
    try:
        v = float(text)
    except ValueError:
        raise bad(path, line, f"{col} {text[:30]!r} is not a number") from None
    if not 0 <= v < 1e15:
        raise bad(path, line, f"{col} {text[:30]!r} is out of range")
    return v


def _percentiles(path: Path, line: int, row: dict[str, str]) -> Percentiles | None:
    got = {c: _num(path, line, row, c, optional=True) for c in ("50%", "90%", "95%", "99%", "99.9%", "100%")}
    mean = _num(path, line, row, "Average Response Time", optional=True)
    if mean is None or any(got[c] is None for c in ("50%", "90%", "95%")):
        return None
    top = got["100%"] if got["100%"] is not None else _num(path, line, row, "Max Response Time", optional=True)
    return Percentiles(
        mean=round(mean, 3),
        p50=got["50%"] or 0.0,
        p90=got["90%"] or 0.0,
        p95=got["95%"] or 0.0,
        p99=got["99%"],
        p999=got["99.9%"],
        max=top or 0.0,
    )


def read(paths: list[Path], progress: Progress | None = None, since_ms: float | None = None) -> Imported:
    if len(paths) != 1:
        raise bad(paths[-1], None, "give one Locust --csv prefix")
    stats, history = files_of(paths[0])
    check_file(stats, WHAT)
    endpoints: dict[str, EndpointResult] = {}
    total: tuple[int, dict[str, str]] | None = None
    for line, row in _rows(stats, STATS, progress):
        if row["Name"] == "Aggregated":
            total = (line, row)
            continue
        if len(endpoints) >= MAX_ENDPOINTS:
            continue
        n, f = (int(_num(stats, line, row, c) or 0) for c in ("Request Count", "Failure Count"))
        if f > n:
            raise bad(stats, line, f"{f} failures of {n} requests")
        label = f"{row['Type']} {row['Name']}".strip()
        # Locust times failures with successes: an endpoint that only failed has no response time to show.
        lat = _percentiles(stats, line, row) if f < n else None
        endpoints[label] = EndpointResult(requests=n, errors=f, latency_ms=lat, status_counts={})
    if total is None:
        raise bad(stats, None, "no Aggregated row (truncated?)")
    line, row = total
    requests, errors = (int(_num(stats, line, row, c) or 0) for c in ("Request Count", "Failure Count"))
    if errors > requests:
        raise bad(stats, line, f"{errors} failures of {requests} requests")
    rps = _num(stats, line, row, "Requests/s") or 0.0
    steps: list[RampStep] = []
    started = ended = None
    users_max = 1
    if history is not None:
        started, ended, users_max, steps = _history(history, progress)
    # Locust's Requests/s is over the whole run, its first request to its last: the duration it implies is
    # closer than the history's whole-second time stamps.
    duration = requests / rps if rps and requests / rps < 30 * 86400 else None
    if duration is None:
        duration = (ended - started) if started is not None and ended is not None and ended > started else 0.0
    status, kinds = _failures(stats.with_name(stats.name.replace("_stats.csv", "_failures.csv")), progress)
    content = _num(stats, line, row, "Average Content Size", optional=True) or 0.0
    load = LoadResult(
        target="Locust locustfile",
        model="closed",
        connections=max(1, users_max),
        rate=None,
        duration_s=round(duration, 3),
        requests=requests,
        errors=errors,
        error_rate=errors / requests if requests else 1.0,
        rps=round(rps, 1),
        latency_ms=_percentiles(stats, line, row) if errors < requests else None,
        status_counts=dict(sorted(status.items())),
        timeouts=kinds["timeout"],
        connect_errors=kinds["connect"],
        resets=kinds["reset"],
        dropped=0,
        bytes_read=int(content * requests),
        endpoints=endpoints,
        generator=None,
        source=f"Locust CSV {stats.name}" + (f" + {history.name}" if history else ""),
        valid=True,
        notes=[
            "Locust's percentiles include failed requests and are rounded (two significant digits above 100 ms); "
            "its CSVs record statuses only of failures (from its _failures.csv)"
        ],
    )
    return Imported(
        tool="locust",
        files=[str(p) for p in (stats, history) if p is not None],
        load=load,
        steps=steps,
        started_at=started,
        ended_at=ended,
    )


_CODE = re.compile(r"(?:HTTP |code=|\(')([1-5]\d\d)\b")


def _failures(path: Path, progress: Progress | None) -> tuple[Counter[str], Counter[str]]:
    """PREFIX_failures.csv: the statuses of failed requests, and the failures that had none, by kind."""
    status: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    if not path.exists():
        return status, kinds
    for line, row in _rows(path, ("Error", "Occurrences"), progress):
        n = int(_num(path, line, row, "Occurrences") or 0)
        error = row["Error"]
        code = _CODE.search(error)
        if code:
            status[code.group(1)] += n
        elif "timeout" in error.lower() or "timed out" in error.lower():
            kinds["timeout"] += n
        elif "reset" in error.lower() or "closed" in error.lower() or "disconnected" in error.lower():
            kinds["reset"] += n
        elif "refused" in error.lower() or "connect" in error.lower():
            kinds["connect"] += n
        # anything else (a check in the locustfile failed) has no kind beyond being a failure
    return status, kinds


def _history(path: Path, progress: Progress | None) -> tuple[float | None, float | None, int, list[RampStep]]:
    """Steps from the history's Aggregated rows, grouped by user count. Requests/s and errors from the deltas of
    the running totals within a level (Locust's own Requests/s and percentiles cover its last ~10 s, so early
    in a level they are mostly the previous level's); p95 only from rows at least CURRENT_WINDOW_S into it."""
    by_users: dict[int, list[tuple[float, float, float, float | None]]] = defaultdict(list)
    first = last = None
    users_max = 1
    for line, row in _rows(path, HISTORY, progress):
        if row["Name"] != "Aggregated":
            continue
        t = _num(path, line, row, "Timestamp") or 0.0
        if not EARLIEST_MS <= t * 1000 <= LATEST_MS:
            when = row["Timestamp"][:30]
            raise bad(path, line, f"Timestamp {when!r} is not a time in seconds since 1970 (2000-2100)")
        users = int(_num(path, line, row, "User Count") or 0)
        first = t if first is None else min(first, t)
        last = t if last is None else max(last, t)
        users_max = max(users_max, users)
        total, failed = (
            _num(path, line, row, c, optional=True) for c in ("Total Request Count", "Total Failure Count")
        )
        if users > 0 and total is not None:
            by_users[users].append((t, total, failed or 0.0, _num(path, line, row, "95%", optional=True)))
    steps = []
    for users, rows in sorted(by_users.items()):
        span = rows[-1][0] - rows[0][0]
        sent, failed = rows[-1][1] - rows[0][1], rows[-1][2] - rows[0][2]
        if len(rows) < MIN_STEP_ROWS or span < MIN_STEP_S or sent <= 0:
            continue
        settled = [r[3] for r in rows if r[3] is not None and r[0] - rows[0][0] >= CURRENT_WINDOW_S]
        steps.append(
            RampStep(
                concurrency=users,
                rps=round(sent / span, 1),
                p95_ms=statistics.median(settled) if settled else None,
                error_rate=round(min(1.0, max(0.0, failed) / sent), 6),
                wall_s=round(span, 3),
            )
        )
    return first, last, users_max, steps if len(steps) >= 2 else []
