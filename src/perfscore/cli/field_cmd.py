"""``perfscore field LOG…``: what real users got, from the web server's access logs (no load sent)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import typer

T = TypeVar("T")


def field(
    logs: list[Path] = typer.Argument(..., metavar="LOG...", help="Access logs: plain or gzip, rotated copies too."),
    since: str | None = typer.Option(None, "--since", metavar="DURATION", help="Only the last 24h, 7d, 90m …"),
    log_format: str | None = typer.Option(
        None,
        "--log-format",
        metavar="FORMAT",
        help="The server's nginx log_format string (default: combined; 'timed' adds $request_time "
        "$upstream_response_time). JSON lines are read whatever the format.",
    ),
    top: int = typer.Option(15, "--top", metavar="N", min=1, max=1000, help="Routes shown (terminal)."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    fmt: str = typer.Option("terminal", "--format", "-f", metavar="terminal|json", help="Output format."),
) -> None:
    """Field data: latency percentiles, error rates and peaks per route from access logs."""
    from perfscore.durations import parse_duration
    from perfscore.errors import PerfscoreError
    from perfscore.field.read import read_logs
    from perfscore.field.render import terminal

    if output is not None and output.suffix.lower() == ".json":
        fmt = "json"
    if fmt not in ("terminal", "json"):
        raise PerfscoreError(f"unknown format {fmt!r}; choose terminal or json.")
    start = time.time() - parse_duration(since, "--since") if since else None
    summary = read_logs(logs, log_format, since=start, watch=_reported)
    if summary.lines and summary.malformed == summary.lines:
        first = summary.malformed_examples[0] if summary.malformed_examples else "?"
        raise PerfscoreError(
            f"no line of {', '.join(map(str, logs))} is a request in the format given "
            f"(first: {first}); pass the server's log_format with --log-format."
        )
    if fmt == "json":
        doc = summary.model_dump(mode="json") | {"error_rate": summary.error_rate, "period_s": summary.period_s}
        text = json.dumps(doc, indent=2) + "\n"
    else:
        text = terminal(summary, [str(p) for p in logs], top)
    if output is not None:
        from perfscore.files import write_output

        write_output(output, text)
    else:
        sys.stdout.write(text)


def _reported(items: Iterator[T]) -> Iterator[T]:
    """The lines as they go by, with a line on stderr every 5 s (a multi-GB log takes minutes)."""
    from perfscore.cli import ui

    began = last = time.monotonic()
    for n, item in enumerate(items, 1):
        if n % 65536 == 0 and not ui.STATE.quiet and (now := time.monotonic()) - last >= 5:
            last = now
            sys.stderr.write(f"perfscore: {n:,} lines read ({n / (now - began):,.0f} lines/s)\n")
        yield item


def register(app: typer.Typer) -> None:
    app.command("field")(field)
