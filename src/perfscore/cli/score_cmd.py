"""``perfscore score RUN.json``: re-score a saved run, with any rubric."""

from __future__ import annotations

from pathlib import Path

import typer

from perfscore.cli.common import (
    ASSERT_OPTION,
    BASELINE_OPTION,
    FAIL_ON_OPTION,
    FAIL_UNDER_OPTION,
    FORMAT_OPTION,
    MAX_DROP_OPTION,
    OUTPUT_OPTION,
    RUBRIC_OPTION,
    Format,
)


def score(
    run_file: Path = typer.Argument(
        ...,
        metavar="FILE",
        help="A run saved by 'perfscore audit --save-run' (re-scored), or a JSON result (shown as scored).",
    ),
    rubric: Path | None = RUBRIC_OPTION,
    fmt: Format | None = FORMAT_OPTION,
    output: list[Path] = OUTPUT_OPTION,
    fail_under: list[str] = FAIL_UNDER_OPTION,
    fail_on: list[str] = FAIL_ON_OPTION,
    baseline: Path | None = BASELINE_OPTION,
    max_drop: float | None = MAX_DROP_OPTION,
    asserts: list[str] = ASSERT_OPTION,
    history: Path | None = typer.Option(
        None, "--history", metavar="FILE", help="SQLite history to append this result to."
    ),
) -> None:
    """Score a saved run against a rubric (or show a saved JSON result) and print the scorecard and roadmap."""
    from perfscore.cli.common import finish, load_result, plan_outputs
    from perfscore.gate import GateOptions
    from perfscore.rubric import load_rubric

    plan = plan_outputs(fmt, output)
    rub = load_rubric(rubric)
    result = load_result(run_file, rub, rubric_given=rubric is not None, announce=True)
    gate = GateOptions(
        fail_under=tuple(fail_under),
        fail_on=tuple(fail_on),
        baseline=baseline,
        max_drop=max_drop,
        asserts=tuple(asserts),
    )
    code = finish(result, rub, plan, gate, history)
    raise typer.Exit(int(code))


def register(app: typer.Typer) -> None:
    app.command("score")(score)
