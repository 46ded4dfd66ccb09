"""``perfscore score RUN.json``: re-score a saved run, with any rubric."""

from __future__ import annotations

from pathlib import Path

import typer

from perfscore.cli.common import FORMAT_HELP, check_fail_under


def score(
    run_file: Path = typer.Argument(..., help="A run saved by 'perfscore audit --save-run'."),
    rubric: Path | None = typer.Option(None, "--rubric", "-r", help="Rubric YAML (default: bundled loanflow)."),
    fmt: str = typer.Option("terminal", "--format", "-f", help=FORMAT_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout."),
    fail_under: float | None = typer.Option(
        None, "--fail-under", callback=check_fail_under, help="Exit 1 if the score is below this."
    ),
) -> None:
    """Score a saved run against a rubric and print the scorecard and roadmap."""
    from perfscore.cli.common import emit, gate
    from perfscore.rubric import load_rubric
    from perfscore.run import load_run
    from perfscore.scoring import score_run

    rub = load_rubric(rubric)
    run = load_run(run_file)
    result = score_run(run, rub)
    emit(result, fmt, output)
    raise typer.Exit(int(gate(result, fail_under)))


def register(app: typer.Typer) -> None:
    app.command("score")(score)
