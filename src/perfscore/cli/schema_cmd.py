"""``perfscore schema run|result``: print the JSON Schema of saved runs and results."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from perfscore.errors import PerfscoreError


def schema(
    kind: str = typer.Argument("run", metavar="run|result", help="Which schema."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here instead of stdout."),
) -> None:
    """Print the JSON Schema of a saved run (or of the JSON result)."""
    if kind == "run":
        from perfscore.run import Run

        doc = Run.model_json_schema()
    elif kind == "result":
        from perfscore.result import Result

        doc = Result.model_json_schema()
    else:
        raise PerfscoreError(f"unknown schema {kind!r}; choose run or result.")
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if output is not None:
        from perfscore.files import write_output

        write_output(output, text)
    else:
        typer.echo(text, nl=False)


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
