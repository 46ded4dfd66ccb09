"""Terminal and JSON views of a standalone load test."""

from __future__ import annotations

import io
import json

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from perfscore.load.thresholds import ThresholdOutcome
from perfscore.loadmodel import LoadResult


def render_json(result: LoadResult, thresholds: list[ThresholdOutcome] | None = None) -> str:
    data = json.loads(result.model_dump_json())
    data["transfer_bytes_per_s"] = _per_s(result)
    if thresholds:
        data["thresholds"] = [t.model_dump() for t in thresholds]
        data["thresholds_passed"] = all(t.passed for t in thresholds)
    return json.dumps(data, indent=2) + "\n"


def _per_s(result: LoadResult) -> float:
    return round(result.bytes_read / result.duration_s, 1) if result.duration_s > 0 else 0.0


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.2f} {unit}"
        n /= 1024
    return f"{n:,.2f} GB"


def render_terminal(
    result: LoadResult,
    *,
    color: bool = False,
    width: int = 110,
    latency: bool = False,
    thresholds: list[ThresholdOutcome] | None = None,
) -> str:
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=color, color_system="standard" if color else None)
    model = f"open model, {result.rate:g} req/s" if result.rate else "closed model"
    warm = f" after {result.warmup_s:g} s of warm-up (not counted)" if result.warmup_s else ""
    con.print(
        f"[bold]{escape(result.url or result.target)}[/bold]  {result.connections} connections, {model}, "
        f"{result.duration_s:g} s measured{warm}"
    )
    con.print(
        f"Requests: {result.requests:,}   Throughput: [bold]{result.rps:,.1f} req/s[/bold]   "
        f"Errors: {result.errors:,} ({result.error_rate:.3%})"
    )
    con.print(f"Transfer: {_bytes(result.bytes_read)} read, {_bytes(_per_s(result))}/s")
    if result.latency_ms:
        overall = result.latency_ms
        t = Table(box=box.SIMPLE, title="Latency (ms)", title_justify="left")
        for col in ("mean", "p50", "p90", "p95", "p99", "p99.9", "max"):
            t.add_column(col, justify="right")
        t.add_row(
            *(
                "—" if v is None else f"{v:.2f}"
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
                *("—" if v is None else f"{v:.2f}" for v in ((lat.p50, lat.p95, lat.p99) if lat else (None,) * 3)),
            )
        con.print(t)
    codes = ", ".join(f"{k}: {v:,}" for k, v in result.status_counts.items()) or "none"
    con.print(f"Status codes: {codes}")
    con.print(
        f"Timeouts: {result.timeouts:,}  Connect errors: {result.connect_errors:,}  "
        f"Resets: {result.resets:,}  Dropped arrivals: {result.dropped:,}"
    )
    g = result.generator
    if g is not None:
        con.print(
            f"Generator: {g.workers} process(es), CPU {g.cpu_percent:.0f}% of a core each (max), "
            f"timer lag p99 {g.send_lag_p99_ms:.1f} ms — {'[red]SATURATED[/red]' if g.saturated else 'ok'}"
        )
    if result.source:
        con.print(f"Source: {escape(result.source)}")
    for note in result.notes:
        con.print(f"[yellow]note:[/yellow] {escape(note)}")
    if latency:
        _distribution(con, result)
    for outcome in thresholds or []:
        shown = "no value" if outcome.actual is None else f"{outcome.actual:,.4g}"
        mark = "[green]✓ pass[/green]" if outcome.passed else "[red]✗ FAIL[/red]"
        con.print(f"Threshold {escape(outcome.expression)}: {mark} (actual {shown})")
    return buf.getvalue()


def _distribution(con: Console, result: LoadResult) -> None:
    """wrk2's --latency view: the percentiles, then HdrHistogram's percentile distribution."""
    if not result.latency_distribution:
        if result.source:  # Locust or an imported file: its own percentiles only, no histogram to walk
            con.print(f"Latency distribution: not available from {escape(result.source)} (its percentiles are above)")
        else:
            con.print("Latency distribution: no successful response")
        return
    con.print("Latency distribution (ms, successful responses)")
    for p, v in result.latency_distribution:
        con.print(f"  {p:>8.3f}%  {v:>10.3f}")
    con.print("Detailed percentile spectrum:")
    con.print(f"  {'Value (ms)':>12} {'Percentile':>12} {'TotalCount':>12} {'1/(1-Percentile)':>18}")
    for v, p, n in result.latency_buckets:
        inv = f"{1 / (1 - p / 100):,.2f}" if p < 100 else "inf"
        con.print(f"  {v:>12.3f} {p / 100:>12.6f} {n:>12,} {inv:>18}")
