"""Terminal: the seed document's table and roadmap, drawn with rich."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from perfscore.result import Result

PRIORITY_STYLE = {
    "High": "bold red",
    "Medium": "yellow",
    "Low": "cyan",
    "Done": "green",
    "Not measured": "magenta",
}


def score_style(score: float) -> str:
    # Lighthouse's bands: 90–100 good, 50–89 needs improvement, 0–49 poor.
    return "green" if score >= 90 else "yellow" if score >= 50 else "red"


def fmt_value(value: object, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if isinstance(value, float):
        text = f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def render(result: Result, *, color: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=120, force_terminal=color, color_system="standard" if color else None)
    title = Text.assemble(
        "Performance score ",
        (f"{result.score:.2f}/100", f"bold {score_style(result.score)}"),
        f"   target {escape(result.target.name)} · rubric {escape(result.rubric)} v{escape(result.rubric_version)}",
    )
    console.print(title)
    console.print(f"Gap to close: {100 - result.score:.2f} points")
    console.print()

    table = Table(box=box.SIMPLE_HEAVY, title="Score breakdown by category", title_justify="left")
    for col, justify in (
        ("Category", "left"),
        ("Weight", "right"),
        ("Score", "right"),
        ("Target", "right"),
        ("Points needed", "right"),
        ("Weighted impact", "right"),
        ("Priority", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for c in result.categories:
        table.add_row(
            escape(c.title),
            f"{c.weight:g}%",
            Text(f"{c.score:.2f}", style=score_style(c.score)) if c.measured else Text("not measured", "magenta"),
            f"{c.target:.0f}",
            f"+{c.points_needed:.2f}",
            f"+{c.weighted_impact:.2f}",
            Text(f"#{c.rank} {c.priority}", style=PRIORITY_STYLE.get(c.priority, "")),
        )
    console.print(table)

    below = [m for c in result.categories for m in c.metrics if m.status == "measured" and not m.meets_target]
    if below:
        mt = Table(box=box.SIMPLE, title="Metrics below target", title_justify="left")
        for col in ("Metric", "Value", "Target", "Score"):
            mt.add_column(col)
        for m in below:
            mt.add_row(
                escape(m.id),
                escape(fmt_value(m.value, m.unit)),
                escape(fmt_value(m.target, m.unit)),
                f"{(m.score or 0):.2f}",
            )
        console.print(mt)

    if result.roadmap:
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
            rt.add_row(
                str(i),
                f"+{item.gain:.2f}",
                item.category,
                f"{escape(item.title)}\n[dim]{escape(item.metric)}: {escape(item.action)}[/dim]",
                item.effort,
                str(item.phase),
            )
        console.print(rt)
        steps = [f"Current {result.score:.2f}"] + [
            f"Phase {p.phase} ({escape(p.name)}) {p.projected_score:.2f}" for p in result.phases
        ]
        console.print("Score progression: " + " → ".join(steps))
    else:
        console.print("[green]Every metric meets its target.[/green]")

    if result.not_measured:
        console.print()
        console.print(f"[magenta]Not measured ({len(result.not_measured)} metrics, scored 0):[/magenta]")
        for nm in result.not_measured:
            console.print(f"  {escape(nm.metric)}: {escape(nm.reason)}")
    return buf.getvalue()
