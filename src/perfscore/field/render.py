"""The field summary as plain text: the whole period first, then the busiest routes."""

from __future__ import annotations

from datetime import UTC, datetime

from perfscore.artifacts.field import FieldSummary
from perfscore.artifacts.field_db import FieldDatabaseSnapshot
from perfscore.field.summary import MAX_ROUTES
from perfscore.sanitize import clean


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if ts is not None else "-"


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.0f} s"


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def terminal(s: FieldSummary, paths: list[str], top: int) -> str:
    out = [f"Field data from {', '.join(clean(p, oneline=True) for p in paths)}"]
    if not s.requests:
        out.append(
            f"  no user request in {s.lines:,} lines ({s.malformed:,} malformed, {s.health_checks:,} health checks, "
            f"{s.bots:,} bots, {s.own:,} perfscore's own)"
        )
        return "\n".join(out) + "\n"
    out.append(f"  period       {_when(s.first_ts)} → {_when(s.last_ts)} ({_span(s.period_s)})")
    out.append(
        f"  requests     {s.requests:,} from users; apart: {s.health_checks:,} health checks, {s.bots:,} bots, "
        f"{s.own:,} perfscore's own; {s.malformed:,} of {s.lines:,} lines malformed"
    )
    out.append(f"  errors       {s.error_rate:.3%} 5xx ({s.errors_5xx:,}), {s.errors_4xx:,} 4xx")
    if s.latency_ms is not None:
        p = s.latency_ms
        out.append(
            f"  latency      p50 {_ms(p.p50)} ms, p95 {_ms(p.p95)} ms, p99 {_ms(p.p99)} ms, max {_ms(p.max)} ms "
            f"($request_time of {s.timed:,} requests)"
        )
    else:
        out.append("  latency      not in this log format: add $request_time to the server's log_format")
    out.append(
        f"  peak         {s.peak_rps:,} req in one second ({_when(s.peak_rps_at)}); "
        f"{s.peak_minute:,} in one minute ({s.peak_minute / 60:,.1f} req/s, {_when(s.peak_minute_at)})"
    )
    if s.concurrency is not None:
        out.append(f"  concurrency  {s.concurrency:,.1f} requests in flight in the busiest minute (rate × mean time)")
    for ex in s.malformed_examples:
        out.append(f"  malformed    {ex}")
    out.append("")
    out.append(f"  {'route':<48} {'requests':>9} {'5xx':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for r in s.routes[:top]:
        lat = r.latency_ms
        name = clean(f"{r.method} {r.route}", oneline=True)
        name = name if len(name) <= 48 else name[:47] + "…"
        out.append(
            f"  {name:<48} {r.requests:>9,} {r.error_rate:>7.2%} {_ms(lat.p50 if lat else None):>8} "
            f"{_ms(lat.p95 if lat else None):>8} {_ms(lat.p99 if lat else None):>8}"
        )
    more = len(s.routes) - top
    if more > 0 or s.other_routes:
        past = f", and {s.other_routes:,} past the first {MAX_ROUTES}" if s.other_routes else ""
        out.append(f"  … {max(more, 0):,} more routes{past}")
    return "\n".join(out) + "\n"


def database_lines(d: FieldDatabaseSnapshot | None, problem: str | None, top: int = 10) -> str:
    """The database over the same period: the slow log's statement classes by total time, each plan's scans."""
    out = ["", "Database over the same period"]
    if d is None or d.statements is None:
        out.append(f"  not read: {clean(problem or (d.statements_note if d else None) or 'unknown', oneline=True)}")
        return "\n".join(out) + "\n"
    where = "mysql.slow_log" if d.source == "table" else clean(d.slow_log_file or "the slow log file", oneline=True)
    threshold = "?" if d.long_query_time_s is None else f"{d.long_query_time_s:g}"
    out.append(
        f"  slow log     {d.executions:,} slow statements in {d.classes:,} classes ({where}; long_query_time "
        f"{threshold} s; {d.own_excluded:,} of perfscore's own user left out)"
    )
    if d.cut:
        out.append(f"  cut          {clean(d.cut, oneline=True)}")
    if not d.statements:
        return "\n".join(out) + "\n"
    out.append("")
    out.append(f"  {'runs':>7} {'total s':>9} {'max s':>7} {'rows/run':>10}  plan / statement")
    for st in d.statements[:top]:
        scans = [r for r in st.plan or [] if (r.type or "").upper() in ("ALL", "INDEX") and r.rows >= 1000]
        plan = "; ".join(f"full scan of {r.table} (~{r.rows:,} rows)" for r in scans) or (
            "no full scan" if st.plan else "not EXPLAINed"
        )
        text = clean(" ".join(st.sql.split()), oneline=True)
        per_run = st.rows_examined // max(st.executions, 1)
        out.append(f"  {st.executions:>7,} {st.total_s:>9,.2f} {st.max_s:>7,.2f} {per_run:>10,}  {plan}: {text[:90]}")
    return "\n".join(out) + "\n"
