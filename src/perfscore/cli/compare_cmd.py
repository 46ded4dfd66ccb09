"""``perfscore compare BASE NEW``: what changed between two runs or results."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import typer


def compare(
    base: Path = typer.Argument(..., help="Baseline run or result (JSON)."),
    new: Path = typer.Argument(..., help="New run or result (JSON)."),
    rubric: Path | None = typer.Option(None, "--rubric", "-r", help="Rubric for runs (default: bundled)."),
    max_drop: float = typer.Option(0.0, "--max-drop", help="Points the score may fall before exiting 1."),
    fmt: str = typer.Option("terminal", "--format", "-f", help="terminal, json or markdown."),
) -> None:
    """Compare two audits; exit 1 if the score fell by more than --max-drop, naming the regressed metrics."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from perfscore.cli.common import load_result
    from perfscore.errors import ExitCode, PerfscoreError
    from perfscore.gate import compare as diff
    from perfscore.reporters.markdown_report import md
    from perfscore.reporters.values import fmt as fmt_value
    from perfscore.rubric import load_rubric

    if fmt not in ("terminal", "json", "markdown"):
        raise PerfscoreError(f"unknown format {fmt!r}; choose terminal, json or markdown.")
    if max_drop < 0:
        raise PerfscoreError("--max-drop must not be negative.")
    rub = load_rubric(rubric)
    before, after = load_result(base, rub), load_result(new, rub)
    cmp = diff(before, after)
    failed = -cmp.delta > max_drop + 1e-9
    if fmt == "json":
        sys.stdout.write(json.dumps({**cmp.model_dump(mode="json"), "passed": not failed}, indent=2) + "\n")
    elif fmt == "markdown":
        lines = [
            f"## perfscore: {cmp.before:.2f} → {cmp.after:.2f} ({cmp.delta:+.2f})",
            "",
            "| Category | Before | After | Δ |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| {md(c)} | {b:.2f} | {a:.2f} | {a - b:+.2f} |" for c, (b, a) in cmp.categories.items()]
        if cmp.regressed:
            lines += ["", "| Regressed metric | Before | After | Points lost |", "|---|---:|---:|---:|"]
            lines += [
                f"| {md(r.metric)} | {md(fmt_value(r.before_value, r.unit))} | "
                f"{md(fmt_value(r.after_value, r.unit))} | −{r.points:.2f} |"
                for r in cmp.regressed
            ]
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        buf = io.StringIO()
        con = Console(file=buf, width=110, force_terminal=sys.stdout.isatty())
        con.print(f"Score {cmp.before:.2f} → [bold]{cmp.after:.2f}[/bold] ({cmp.delta:+.2f})")
        t = Table(title="Categories", title_justify="left")
        for col in ("Category", "Before", "After", "Δ"):
            t.add_column(col)
        for c, (b, a) in cmp.categories.items():
            t.add_row(escape(c), f"{b:.2f}", f"{a:.2f}", f"{a - b:+.2f}")
        con.print(t)
        if cmp.regressed:
            rt = Table(title="Regressed metrics", title_justify="left")
            for col in ("Metric", "Before", "After", "Points lost"):
                rt.add_column(col)
            for r in cmp.regressed:
                rt.add_row(
                    escape(r.metric),
                    escape(fmt_value(r.before_value, r.unit)),
                    escape(fmt_value(r.after_value, r.unit)),
                    f"-{r.points:.2f}",
                )
            con.print(rt)
        if cmp.improved:
            con.print("Improved: " + ", ".join(escape(m) for m in cmp.improved))
        sys.stdout.write(buf.getvalue())
    if failed:
        names = ", ".join(r.metric for r in cmp.regressed[:10]) or "no single metric"
        sys.stderr.write(
            f"perfscore: regression: score fell {-cmp.delta:.2f} points (allowed {max_drop:g}); regressed: {names}\n"
        )
        raise typer.Exit(int(ExitCode.GATE_FAILED))


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
