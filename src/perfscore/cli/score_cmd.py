"""``perfscore score RUN.json``: re-score a saved run, with any rubric."""

from __future__ import annotations

from pathlib import Path

import typer

from perfscore.cli.common import FAIL_ON_HELP, FAIL_UNDER_HELP, FORMAT_HELP


def score(
    run_file: Path = typer.Argument(..., help="A run saved by 'perfscore audit --save-run'."),
    rubric: Path | None = typer.Option(None, "--rubric", "-r", help="Rubric YAML (default: bundled loanflow)."),
    fmt: str = typer.Option("terminal", "--format", "-f", help=FORMAT_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout."),
    fail_under: list[str] = typer.Option([], "--fail-under", help=FAIL_UNDER_HELP),
    fail_on: list[str] = typer.Option([], "--fail-on", help=FAIL_ON_HELP),
    baseline: Path | None = typer.Option(None, "--baseline", help="Run or result to compare against."),
    max_drop: float | None = typer.Option(None, "--max-drop", help="Points the score may fall below the baseline."),
    history: Path | None = typer.Option(None, "--history", help="SQLite history to append this result to."),
) -> None:
    """Score a saved run against a rubric and print the scorecard and roadmap."""
    from perfscore.cli.common import finish
    from perfscore.errors import PerfscoreError
    from perfscore.reporters import FORMATS
    from perfscore.rubric import load_rubric
    from perfscore.run import load_run
    from perfscore.scoring import score_run

    if fmt not in FORMATS:
        raise PerfscoreError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    rub = load_rubric(rubric)
    result = score_run(load_run(run_file), rub)
    code = finish(
        result,
        rub,
        fmt=fmt,
        output=output,
        fail_under=fail_under,
        fail_on=fail_on,
        baseline=baseline,
        max_drop=max_drop,
        history=history,
    )
    raise typer.Exit(int(code))


def register(app: typer.Typer) -> None:
    app.command("score")(score)
