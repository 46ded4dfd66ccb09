"""The perfscore command line. Thin: each command lives in its own module."""

from __future__ import annotations

import sys

import typer

from perfscore import __version__
from perfscore.cli import audit_cmd, compare_cmd, history_cmd, load_cmd, rubric_cmd, schema_cmd, score_cmd
from perfscore.errors import PerfscoreError

app = typer.Typer(
    name="perfscore",
    help="Audit a LoanFlow stack and score it: seven weighted categories and a gap-to-100 roadmap.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"perfscore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Exit codes: 0 pass, 1 gate failed, 2 usage or input error, 3 nothing could be measured."""


# Help lists commands in this order: the everyday ones first.
audit_cmd.register(app)
score_cmd.register(app)
compare_cmd.register(app)
load_cmd.register(app)
history_cmd.register(app)
rubric_cmd.register(app)
schema_cmd.register(app)


def main() -> None:
    # click handles its own usage errors (exit 2) in standalone mode; ours are
    # PerfscoreError, shown as one paragraph with their exit code.
    try:
        app(standalone_mode=True)
    except PerfscoreError as exc:
        from perfscore.sanitize import clean

        sys.stderr.write(f"perfscore: error: {clean(exc.message)}\n")
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        sys.stderr.write("perfscore: interrupted\n")
        sys.exit(130)
