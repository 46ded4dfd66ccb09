"""``perfscore score RUN.json``: re-score a saved run, with any rubric."""

from __future__ import annotations

from pathlib import Path

import typer

from perfscore.cli.common import FAIL_ON_HELP, FAIL_UNDER_HELP, FORMAT_HELP, OUTPUT_HELP, Format


def score(
    run_file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="A run saved by 'perfscore audit --save-run' (re-scored), or a JSON result (shown as scored).",
    ),
    rubric: Path | None = typer.Option(
        None, "--rubric", "-r", metavar="FILE", help="Rubric YAML (default: bundled loanflow)."
    ),
    fmt: Format | None = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    output: list[Path] = typer.Option([], "--output", "-o", metavar="FILE", help=OUTPUT_HELP),
    fail_under: list[str] = typer.Option([], "--fail-under", metavar="SCORE|CATEGORY=SCORE", help=FAIL_UNDER_HELP),
    fail_on: list[str] = typer.Option([], "--fail-on", metavar="critical|none", help=FAIL_ON_HELP),
    baseline: Path | None = typer.Option(None, "--baseline", metavar="FILE", help="Run or result to compare against."),
    max_drop: float | None = typer.Option(
        None, "--max-drop", metavar="POINTS", help="Points the score may fall below the baseline."
    ),
    history: Path | None = typer.Option(
        None, "--history", metavar="FILE", help="SQLite history to append this result to."
    ),
) -> None:
    """Score a saved run against a rubric (or show a saved JSON result) and print the scorecard and roadmap."""
    from perfscore.cli.common import finish, load_result, plan_outputs
    from perfscore.rubric import load_rubric

    plan = plan_outputs(fmt, output)
    rub = load_rubric(rubric)
    result = load_result(run_file, rub, rubric_given=rubric is not None, announce=True)
    code = finish(
        result,
        rub,
        plan=plan,
        fail_under=fail_under,
        fail_on=fail_on,
        baseline=baseline,
        max_drop_flag=max_drop is not None,
        max_drop=max_drop,
        history=history,
    )
    raise typer.Exit(int(code))


def register(app: typer.Typer) -> None:
    app.command("score")(score)
