"""``perfscore history``: past scores with a sparkline."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def history(
    path: Path | None = typer.Option(
        None, "--history", metavar="FILE", help="History file (default: the user data directory)."
    ),
    target: str | None = typer.Option(None, "--target", metavar="NAME", help="Only this target's audits."),
    limit: int = typer.Option(20, "--limit", metavar="N", min=1, max=1_000_000, help="How many of the latest audits."),
    fmt: str = typer.Option("terminal", "--format", "-f", metavar="terminal|json", help="Output format."),
) -> None:
    """List past audits and the trend of their scores."""
    from perfscore import history as hist
    from perfscore.errors import PerfscoreError

    if fmt not in ("terminal", "json"):
        raise PerfscoreError(f"unknown format {fmt!r}; choose terminal or json.")
    points = hist.load(path or hist.default_path(), target=target, limit=limit)
    if fmt == "json":
        typer.echo(json.dumps([p.model_dump(mode="json") for p in points], indent=2))
        return
    if not points:
        typer.echo("no audits recorded yet")
        return
    typer.echo(
        f"{len(points)} audits  {hist.sparkline([p.score for p in points])}  "
        f"{points[0].score:.2f} → {points[-1].score:.2f}"
    )
    for p in points:
        typer.echo(f"{p.id:>5}  {p.recorded_at:%Y-%m-%d %H:%M}  {p.score:6.2f}  {p.target}")


def register(app: typer.Typer) -> None:
    app.command("history")(history)
