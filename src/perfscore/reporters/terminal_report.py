"""Terminal: the seed document's table and roadmap, drawn with rich."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.markup import escape as _escape
from rich.table import Table
from rich.text import Text

from perfscore.reporters.context import ReportContext
from perfscore.reporters.faults import HEADINGS, fault_caption, fault_rows, fault_title
from perfscore.reporters.values import band_class, fmt, nothing_to_fix, printable
from perfscore.result import Priority, Result

PRIORITY_STYLE: dict[Priority, str] = {
    "High": "bold red",
    "Medium": "yellow",
    "Low": "cyan",
    "Done": "green",
    "Not measured": "magenta",
    "Invalid": "yellow",
}


def escape(text: str) -> str:
    """Rich markup and terminal control sequences from the target are shown, never obeyed."""
    return _escape(printable(text, keep="\n"))


def score_style(score: float) -> str:
    return {"good": "green", "avg": "yellow", "poor": "red"}[band_class(score)]


def _header(console: Console, result: Result) -> None:
    title = Text.assemble(
        "Performance score ",
        (f"{result.score:.2f}/100", f"bold {score_style(result.score)}"),
        f"   target {escape(result.target.name)} · rubric {escape(result.rubric)} v{escape(result.rubric_version)}",
    )
    console.print(title)
    if result.targets is not None:
        console.print(f"Targets: {escape(result.targets.summary)}")
    for line in result.verdict:  # rubric text: shown, never obeyed
        console.print(Text("✖ " + printable(line), style="bold red"))
    console.print(f"Gap to close: {100 - result.score:.2f} points")
    console.print()


def _categories(console: Console, result: Result) -> None:
    table = Table(
        box=box.SIMPLE_HEAVY,
        title="Score breakdown by category",
        title_justify="left",
        caption="To 100: the category's own gap; Impact: overall points that closing it adds (weight × gap).",
        caption_justify="left",
    )
    # Numbers never shrink (a narrow terminal cut "100.00" to "100.…"): the category names wrap instead.
    table.add_column("Category", justify="left", min_width=10, overflow="fold")
    for col, width in (("Weight", 6), ("Score", 6), ("To 100", 7), ("Impact", 6)):
        table.add_column(col, justify="right", no_wrap=True, min_width=width)
    table.add_column("Priority", justify="left", no_wrap=True, min_width=12)
    for c in result.categories:
        table.add_row(
            escape(c.title),
            f"{c.weight:g}%",
            Text(f"{c.score:.2f}", style=score_style(c.score)) if c.measured else Text("not measured", "magenta"),
            f"+{c.points_needed:.2f}",
            f"+{c.weighted_impact:.2f}",
            Text(
                c.priority if c.priority in ("Done", "Not measured", "Invalid") else f"#{c.rank} {c.priority}",
                style=PRIORITY_STYLE[c.priority],
            ),
        )
    console.print(table)


def _below_target(console: Console, result: Result) -> None:
    metrics = [m for c in result.categories for m in c.metrics if m.weight > 0]  # weight 0: reported, not judged
    below = [m for m in metrics if m.status == "measured" and not m.meets_target]
    if not below:
        return
    mt = Table(box=box.SIMPLE, title="Metrics below target", title_justify="left")
    for col in ("Metric", "Value", "Target", "Score"):
        mt.add_column(col)
    for m in below:
        mt.add_row(escape(m.id), escape(fmt(m.value, m.unit)), escape(fmt(m.target, m.unit)), f"{(m.score or 0):.2f}")
    console.print(mt)


def _roadmap(console: Console, result: Result) -> None:
    if not result.roadmap:
        said = nothing_to_fix(result)
        console.print(f"[green]{said}[/green]" if said.startswith("Every") else escape(said))
        return
    rt = Table(box=box.SIMPLE, title="Gap-to-100 roadmap (by overall points gained)", title_justify="left")
    for col, justify in (
        ("#", "right"),
        ("Gain", "right"),
        ("Category", "left"),
        ("Fix", "left"),
        ("Effort", "left"),
        ("Phase", "right"),
    ):
        rt.add_column(col, justify=justify)  # type: ignore[arg-type]
    for i, item in enumerate(result.roadmap, 1):
        found = f"\n[yellow]found: {escape(item.detail[:240])}[/yellow]" if item.detail else ""
        if item.saving_ms is not None and item.saving:
            found += f"\n[green]{escape(item.saving[:200])}[/green]"
        if item.assumes:
            found += f"\n[dim]advice for: {escape('; '.join(item.assumes)[:200])}[/dim]"
        first = "[bold red]FIX FIRST[/bold red] " if item.critical else ""
        rt.add_row(
            str(i),
            "critical" if item.critical and item.gain < 0.005 else f"+{item.gain:.2f}",
            item.category,
            f"{first}{escape(item.title)}\n[dim]{escape(item.metric)}: {escape(item.action)}[/dim]{found}",
            item.effort,
            str(item.phase),
        )
    console.print(rt)
    steps = [f"Current {result.score:.2f}"] + [
        f"Phase {p.phase} ({escape(p.name)}) {p.projected_score:.2f}" for p in result.phases
    ]
    console.print("Score progression: " + " → ".join(steps))
    for p in result.phases:
        if p.note:
            console.print(f"[dim]Phase {p.phase}: {escape(p.note)}[/dim]")


def _faults(console: Console, result: Result) -> None:
    rows = fault_rows(result)
    if not rows:
        return
    ft = Table(
        box=box.SIMPLE,
        title=fault_title(result),
        title_justify="left",
        caption=fault_caption(result),
        caption_justify="left",
    )
    for heading in HEADINGS:
        numeric = heading in ("Held", "Undone at", "Failed")
        ft.add_column(heading, justify="right" if numeric else "left", overflow="fold", no_wrap=numeric)
    for r in rows:
        ft.add_row(*(escape(c) for c in r.cells()))
    console.print(ft)
    for r in rows:
        if r.notes:
            console.print(f"[dim]{escape(r.name)}: {escape(r.notes[:300])}[/dim]")


def _context(console: Console, ctx: ReportContext) -> None:
    if ctx.comparison is not None and ctx.comparison.regressed:
        cmp = ctx.comparison
        console.print()
        console.print(f"Against the baseline: {cmp.before:.2f} → {cmp.after:.2f} ({cmp.delta:+.2f}); regressed:")
        for r in cmp.regressed[:10]:
            console.print(
                f"  {escape(r.metric)}: {escape(fmt(r.before_value, r.unit))} → "
                f"{escape(fmt(r.after_value, r.unit))} (−{r.points:.2f} points)"
            )
    if len(ctx.history) > 1:
        from perfscore.history import sparkline

        scores = [p.score for p in ctx.history]
        console.print(f"Trend over {len(scores)} audits: {sparkline(scores)} {scores[0]:.2f} → {scores[-1]:.2f}")
    if ctx.gate:
        console.print()
        for g in ctx.gate:
            mark = (
                "[green]pass[/green]"
                if g.passed
                else ("[yellow]WARN[/yellow]" if g.level == "warn" else "[bold red]FAIL[/bold red]")
            )
            console.print(f"Gate {escape(g.name)}: {mark} — {escape(g.message)}")


def _unmeasured(console: Console, result: Result) -> None:
    if result.not_measured:
        console.print()
        console.print(f"[magenta]Measure first ({len(result.not_measured)} metrics, scored 0):[/magenta]")
        for nm in result.not_measured:
            console.print(f"  {escape(nm.metric)} (+{nm.points:.2f} at stake): {escape(nm.reason)}")
    if result.insufficient:
        console.print()
        console.print(f"[cyan]Not enough data ({len(result.insufficient)} metrics, left out of the score):[/cyan]")
        for nm in result.insufficient:
            console.print(f"  {escape(nm.metric)}: {escape(nm.reason)}")
    if result.unscored:
        console.print()
        console.print(f"[dim]Measured but not scored by this rubric: {escape(', '.join(result.unscored))}[/dim]")


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    buf = io.StringIO()
    ctx = ctx or ReportContext()
    console = Console(file=buf, width=ctx.width, force_terminal=color, color_system="standard" if color else None)
    _header(console, result)
    _categories(console, result)
    _below_target(console, result)
    _roadmap(console, result)
    _faults(console, result)
    _context(console, ctx or ReportContext())
    _unmeasured(console, result)
    return buf.getvalue()
