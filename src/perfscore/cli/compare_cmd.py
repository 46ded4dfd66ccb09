"""``perfscore compare BASE NEW``: what changed between two runs or results."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def compare(
    base: Path = typer.Argument(..., metavar="BASE", help="Baseline run or result (JSON)."),
    new: Path = typer.Argument(..., metavar="NEW", help="New run or result (JSON)."),
    rubric: Path | None = typer.Option(
        None, "--rubric", "-r", metavar="FILE", help="Rubric for runs (default: bundled)."
    ),
    max_drop: float = typer.Option(
        0.0, "--max-drop", metavar="POINTS", help="Points the score may fall before exiting 1."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    fmt: str = typer.Option("terminal", "--format", "-f", metavar="terminal|json|markdown|html", help="Output format."),
) -> None:
    """Compare two audits; exit 1 if the score fell by more than --max-drop, naming the regressed metrics."""
    from perfscore.cli.common import load_result
    from perfscore.errors import ExitCode, PerfscoreError
    from perfscore.gate import compare as diff
    from perfscore.reporters.compare_report import COMPARE_FORMATS, render
    from perfscore.rubric import load_rubric

    if fmt not in COMPARE_FORMATS:
        raise PerfscoreError(f"unknown format {fmt!r}; choose {', '.join(COMPARE_FORMATS)}.")
    if not 0 <= max_drop < float("inf"):  # NaN compares false both ways: it would switch the check off
        raise PerfscoreError("--max-drop must be a number of points, 0 or more.")
    if output is not None and fmt == "terminal":  # a file's extension names the format, as for audit and score
        fmt = {".html": "html", ".htm": "html", ".json": "json", ".md": "markdown"}.get(output.suffix.lower(), fmt)
    rub = load_rubric(rubric)
    before, after = load_result(base, rub), load_result(new, rub)
    if (before.rubric, before.rubric_version) != (after.rubric, after.rubric_version):
        sys.stderr.write(
            f"perfscore: warning: {base} was scored with the rubric {before.rubric} v{before.rubric_version} and "
            f"{new} with {after.rubric} v{after.rubric_version}: differences may come from the rubric (compare "
            "saved runs, which are re-scored with one rubric)\n"
        )
    cmp = diff(before, after)
    failed = -cmp.delta > max_drop + 1e-9
    if output is not None:
        from perfscore.files import write_output

        write_output(output, render(cmp, fmt, passed=not failed, color=False))
    else:
        from perfscore.cli import ui

        sys.stdout.write(render(cmp, fmt, passed=not failed, color=ui.color(sys.stdout)))
    if failed:
        names = ", ".join(r.metric for r in cmp.regressed[:10]) or "no single metric"
        sys.stderr.write(
            f"perfscore: regression: score fell {-cmp.delta:.2f} points (allowed {max_drop:g}); regressed: {names}\n"
        )
        raise typer.Exit(int(ExitCode.GATE_FAILED))


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
