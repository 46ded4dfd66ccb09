"""``perfscore field LOG…``: what real users got, from the web server's access logs (no load sent)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from perfscore.errors import ExitCode

if TYPE_CHECKING:
    from perfscore.artifacts.field import FieldSummary
    from perfscore.artifacts.field_db import FieldDatabaseSnapshot
    from perfscore.config import Config

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
    config: Path | None = typer.Option(
        None, "--config", metavar="FILE", help="A perfscore config: its mysql section reads the database too."
    ),
    mysql: str | None = typer.Option(
        None, "--mysql", metavar="DSN", help="mysql://user[:password]@host:port/db: the slow log over the same period."
    ),
) -> None:
    """Field data: latency percentiles, error rates and peaks per route from access logs; with --mysql or a
    config's mysql section, the database's slow statements over the same period."""
    from perfscore.durations import parse_duration
    from perfscore.errors import PerfscoreError
    from perfscore.field.read import read_logs
    from perfscore.field.render import terminal

    if output is not None and output.suffix.lower() == ".json":
        fmt = "json"
    if fmt not in ("terminal", "json"):
        raise PerfscoreError(f"unknown format {fmt!r}; choose terminal or json.")
    start = time.time() - parse_duration(since, "--since") if since else None
    db_config = _database_config(config, mysql)  # a bad config or DSN is exit 2 before the logs are read
    summary = read_logs(logs, log_format, since=start, watch=_reported)
    if summary.lines and summary.malformed == summary.lines:
        first = summary.malformed_examples[0] if summary.malformed_examples else "?"
        raise PerfscoreError(
            f"no line of {', '.join(map(str, logs))} is a request in the format given "
            f"(first: {first}); pass the server's log_format with --log-format."
        )
    database, problem = _database(db_config, summary) if db_config is not None else (None, None)
    if fmt == "json":
        doc = summary.model_dump(mode="json") | {"error_rate": summary.error_rate, "period_s": summary.period_s}
        if db_config is not None:
            doc["database"] = database.model_dump(mode="json") if database is not None else {"error": problem}
        text = json.dumps(doc, indent=2) + "\n"
    else:
        from perfscore.field.render import database_lines

        text = terminal(summary, [str(p) for p in logs], top)
        if db_config is not None:
            text += database_lines(database, problem)
    if output is not None:
        from perfscore.files import write_output

        write_output(output, text)
    else:
        sys.stdout.write(text)
    if problem is not None:  # the database asked for could not be read: a partial answer, said so
        raise typer.Exit(int(ExitCode.UNREACHABLE))


def _database_config(config: Path | None, mysql: str | None) -> Config | None:
    """The config whose mysql section reads the database (--mysql over --config's), or None for neither."""
    from perfscore.config import Config, load_config, with_overrides
    from perfscore.errors import PerfscoreError
    from perfscore.session.runner import secrets_of

    if config is None and mysql is None:
        return None
    cfg = with_overrides(load_config(config) if config else Config(), mysql=mysql)
    if cfg.mysql is None:
        raise PerfscoreError(f"{config} has no mysql section: give --mysql DSN to read the database.")
    secrets_of(cfg)  # the password is printed nowhere, whatever the server echoes
    return cfg


def _database(cfg: Config, summary: FieldSummary) -> tuple[FieldDatabaseSnapshot | None, str | None]:
    """The slow statements over the access logs' own period, or why they could not be read."""
    from perfscore.gatherers.base import GatherContext, ProbeUnavailable
    from perfscore.gatherers.field_db import FieldDatabaseGatherer

    if summary.first_ts is None or summary.last_ts is None:
        return None, "the access logs hold no dated request: no period to read the database over"
    g = FieldDatabaseGatherer(GatherContext(config=cfg, base_dir=cfg.base_dir, window_s=0.0))
    try:
        return g.read(summary.first_ts, summary.last_ts + 1), None
    except ProbeUnavailable as exc:
        return None, str(exc)


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
