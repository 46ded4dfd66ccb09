"""Terminal and JSON views of a standalone load test."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perfscore.load.model import LoadResult


def render_json(result: LoadResult) -> str:
    return result.model_dump_json(indent=2) + "\n"


def render_terminal(result: LoadResult, *, color: bool = False, width: int = 110) -> str:
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=color, color_system="standard" if color else None)
    model = f"open model, {result.rate:g} req/s" if result.rate else "closed model"
    con.print(
        f"[bold]{escape(result.target)}[/bold]  {result.connections} connections, {model}, "
        f"{result.duration_s:g} s measured"
    )
    con.print(
        f"Requests: {result.requests:,}   Throughput: [bold]{result.rps:,.1f} req/s[/bold]   "
        f"Errors: {result.errors:,} ({result.error_rate:.3%})"
    )
    if result.latency_ms:
        overall = result.latency_ms
        t = Table(box=box.SIMPLE, title="Latency (ms)", title_justify="left")
        for col in ("mean", "p50", "p90", "p95", "p99", "p99.9", "max"):
            t.add_column(col, justify="right")
        t.add_row(
            *(
                f"{v:.2f}"
                for v in (overall.mean, overall.p50, overall.p90, overall.p95, overall.p99, overall.p999, overall.max)
            )
        )
        con.print(t)
    if len(result.endpoints) > 1:
        t = Table(box=box.SIMPLE, title="Per endpoint", title_justify="left")
        for col in ("endpoint", "requests", "errors", "p50", "p95", "p99"):
            t.add_column(col)
        for label, ep in result.endpoints.items():
            lat = ep.latency_ms
            t.add_row(
                escape(label),
                f"{ep.requests:,}",
                f"{ep.errors:,}",
                *(f"{v:.2f}" if lat else "—" for v in ((lat.p50, lat.p95, lat.p99) if lat else (0, 0, 0))),
            )
        con.print(t)
    codes = ", ".join(f"{k}: {v:,}" for k, v in result.status_counts.items()) or "none"
    con.print(f"Status codes: {codes}")
    con.print(
        f"Timeouts: {result.timeouts:,}  Connect errors: {result.connect_errors:,}  "
        f"Resets: {result.resets:,}  Dropped arrivals: {result.dropped:,}"
    )
    g = result.generator
    con.print(
        f"Generator: {g.workers} process(es), CPU {g.cpu_percent:.0f}% of a core each (max), "
        f"timer lag p99 {g.send_lag_p99_ms:.1f} ms — {'[red]SATURATED[/red]' if g.saturated else 'ok'}"
    )
    for note in result.notes:
        con.print(f"[yellow]note:[/yellow] {escape(note)}")
    return buf.getvalue()
