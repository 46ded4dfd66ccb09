"""What changed between two audits (``perfscore compare``): terminal, JSON or Markdown."""

from __future__ import annotations

import io
import json

from perfscore.errors import PerfscoreError
from perfscore.gate import Comparison
from perfscore.reporters.markdown_report import md
from perfscore.reporters.terminal_report import escape
from perfscore.reporters.values import fmt as fmt_value

COMPARE_FORMATS = ("terminal", "json", "markdown")


def _markdown(cmp: Comparison) -> str:
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
    return "\n".join(lines) + "\n"


def _terminal(cmp: Comparison, color: bool) -> str:
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    con = Console(file=buf, width=110, force_terminal=color)
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
    return buf.getvalue()


def render(cmp: Comparison, fmt: str, *, passed: bool, color: bool = False) -> str:
    if fmt == "json":
        return json.dumps({**cmp.model_dump(mode="json"), "passed": passed}, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(cmp)
    if fmt == "terminal":
        return _terminal(cmp, color)
    raise PerfscoreError(f"unknown format {fmt!r}; choose {', '.join(COMPARE_FORMATS)}.")
