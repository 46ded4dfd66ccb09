"""What the result-printing commands share: loading inputs, the gate, history, output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfscore.errors import ExitCode, PerfscoreError

if TYPE_CHECKING:  # the models import pydantic: keep `perfscore --help` fast
    from perfscore.reporters.context import ReportContext
    from perfscore.result import Result
    from perfscore.rubric.model import Rubric

FORMAT_HELP = "Output format: terminal, json, html, markdown, junit or prometheus."
FAIL_UNDER_HELP = "Exit 1 below this score; CATEGORY=SCORE sets a category floor (repeatable)."
FAIL_ON_HELP = "critical: exit 1 on any critical finding (served secrets, a failing app, throttled); none: never."


def write_text(output: Path, text: str) -> None:
    from perfscore.files import write_output

    write_output(output, text)


def emit(result: Result, fmt: str, output: Path | None, ctx: ReportContext | None = None) -> None:
    from perfscore.reporters import render
    from perfscore.sanitize import redact

    if output is not None:
        write_text(output, render(result, fmt, color=False, ctx=ctx))
        sys.stderr.write(f"wrote {output}\n")
    else:
        color = fmt == "terminal" and sys.stdout.isatty()
        sys.stdout.write(redact(render(result, fmt, color=color, ctx=ctx)))


def load_result(path: Path, rubric: Rubric) -> Result:
    """A saved run (re-scored with ``rubric``) or a JSON result, whichever the file holds."""
    from pydantic import ValidationError

    from perfscore.result import Result
    from perfscore.run import load_run
    from perfscore.sanitize import clean_tree
    from perfscore.scoring import score_run
    from perfscore.yamlfile import read_json

    data = read_json(path, "input file")
    if isinstance(data, dict) and ("measurements" in data or "artifacts" in data):
        return score_run(load_run(path), rubric)
    if isinstance(data, dict) and "categories" in data and "score" in data:
        try:
            kept = {k: v for k, v in data.items() if k not in ("gate", "comparison")}
            return Result.model_validate(clean_tree(kept))
        except ValidationError as exc:
            raise PerfscoreError(
                f"{path} looks like a perfscore result but does not parse: {exc.errors()[0]['msg']}."
            ) from None
    raise PerfscoreError(f"{path} is neither a perfscore run nor a perfscore result.")


def finish(
    result: Result,
    rubric: Rubric,
    *,
    fmt: str,
    output: Path | None,
    fail_under: list[str],
    baseline: Path | None = None,
    max_drop: float | None = None,
    history: Path | None = None,
    config_floors: dict[str, float] | None = None,
    config_fail_under: float | None = None,
    fail_on: list[str] | None = None,
    config_fail_on: list[str] | None = None,
) -> ExitCode:
    """Record history, evaluate the gate, print the report; return the exit code."""
    from perfscore import gate as gating
    from perfscore import history as hist
    from perfscore.reporters.context import ReportContext

    critical = gating.parse_fail_on(fail_on or [], list(config_fail_on or []))
    overall, floors = gating.parse_thresholds(fail_under, list(rubric.categories))
    if overall is None:
        overall = config_fail_under
    floors = {**(config_floors or {}), **floors}
    base = load_result(baseline, rubric) if baseline else None
    if max_drop is not None and not 0 <= max_drop < float("inf"):  # NaN would switch the check off
        raise PerfscoreError("--max-drop must be a number of points, 0 or more.")
    points = []
    if history is not None:
        hist.record(history, result)
        points = hist.load(history, target=result.target.name)
    checks = gating.evaluate(result, overall, floors, base, max_drop, fail_on_critical=critical)
    comparison = gating.compare(base, result) if base else None
    emit(result, fmt, output, ReportContext(gate=checks, comparison=comparison, history=points))
    failed = [c for c in checks if not c.passed]
    for c in failed:
        sys.stderr.write(f"perfscore: gate failed: {c.name}: {c.message}\n")
    return ExitCode.GATE_FAILED if failed else ExitCode.OK


def check_fail_under(value: float | None) -> float | None:
    if value is not None and not 0 <= value <= 100:
        raise typer.BadParameter("must be between 0 and 100", param_hint="--fail-under")
    return value
