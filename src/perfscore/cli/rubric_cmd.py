"""``perfscore rubric validate|show``: check and inspect rubric files."""

from __future__ import annotations

from pathlib import Path

import typer

rubric_app = typer.Typer(help="Validate and show rubrics.", no_args_is_help=True)


@rubric_app.command("validate")
def validate(file: Path = typer.Argument(..., metavar="FILE", help="Rubric YAML to check.")) -> None:
    """Check a rubric; exit 2 with the file, YAML path and line of each problem.

    Also compares it with the audits perfscore has: rubric metrics no audit
    produces (they will always be "not measured") and audits it ignores.
    """
    from perfscore.rubric import load_rubric
    from perfscore.rubric.registry_check import check

    rub = load_rubric(file)
    typer.echo(
        f"{file}: valid rubric {rub.name!r} v{rub.version}: "
        f"{len(rub.categories)} categories, {len(rub.metrics)} metrics"
    )
    found = check(rub)
    if found.no_audit:
        typer.echo(
            f"warning: {len(found.no_audit)} metrics no audit produces (always 'not measured' in an audit; "
            f"a saved run may still carry them): {', '.join(found.no_audit)}"
        )
    if found.unscored:
        typer.echo(
            f"note: {len(found.unscored)} audited metrics this rubric does not score: {', '.join(found.unscored)}"
        )


@rubric_app.command("show")
def show(
    file: Path | None = typer.Argument(None, metavar="FILE", help="Rubric YAML (default: the bundled one)."),
) -> None:
    """Print categories, weights, metrics, curves and targets."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from perfscore.rubric import load_rubric

    rub = load_rubric(file)
    import sys

    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(f"[bold]{escape(rub.name)}[/bold] v{escape(rub.version)}  {escape(rub.description)}")
    for cid, cat in rub.categories.items():
        table = Table(title=f"{cat.title} ({cid}) — weight {cat.weight:g}%", title_justify="left")
        for col in ("Metric", "Weight", "Curve", "Target", "Phase", "Effort"):
            table.add_column(col)
        for mid, m in rub.metrics_of(cid).items():
            curve = m.curve.model_dump(exclude={"type"})
            table.add_row(
                escape(mid),
                f"{m.weight:g}",
                escape(f"{m.curve.type} {curve}".strip()),
                escape(f"{m.target} {m.unit}".strip()),
                str(m.remediation.phase),
                m.remediation.effort,
            )
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(rubric_app, name="rubric")
