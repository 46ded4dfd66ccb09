"""``perfscore history``: past scores with a sparkline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer


def history(
    path: Path | None = typer.Option(
        None,
        "--history",
        metavar="FILE",
        help="History file (default: ./perfscore.yaml's gate.history, else the user data directory).",
    ),
    target: str | None = typer.Option(None, "--target", metavar="NAME", help="Only this target's audits."),
    limit: int = typer.Option(20, "--limit", metavar="N", min=1, max=1_000_000, help="How many of the latest audits."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    fmt: str = typer.Option("terminal", "--format", "-f", metavar="terminal|json", help="Output format."),
) -> None:
    """List past audits and the trend of their scores."""
    from perfscore import history as hist
    from perfscore.cli.common import DISCOVERED, history_path
    from perfscore.errors import PerfscoreError

    if output is not None and output.suffix.lower() == ".json":
        fmt = "json"
    if fmt not in ("terminal", "json"):
        raise PerfscoreError(f"unknown format {fmt!r}; choose terminal or json.")
    cfg = None
    if path is None and Path(DISCOVERED).is_file():  # the folder's config may name its history
        from perfscore.config import load_config

        cfg = load_config(Path(DISCOVERED))
    where = history_path(path, cfg)
    points = [] if path is None and not where.exists() else hist.load(where, target=target, limit=limit)
    if fmt == "json":
        text = json.dumps([p.model_dump(mode="json") for p in points], indent=2) + "\n"
    elif not points:
        text = f"no audits recorded yet in {where}\n"
    else:
        lines = [
            f"{len(points)} audits  {hist.sparkline([p.score for p in points])}  "
            f"{points[0].score:.2f} → {points[-1].score:.2f}"
        ]
        lines += [f"{p.id:>5}  {p.recorded_at:%Y-%m-%d %H:%M}  {p.score:6.2f}  {p.target}" for p in points]
        text = "\n".join(lines) + "\n"
    if output is not None:
        from perfscore.files import write_output

        write_output(output, text)
    else:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    app.command("history")(history)
