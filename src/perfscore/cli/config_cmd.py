"""``perfscore config check``: validate a config and touch every component once (like ``nginx -t``)."""

from __future__ import annotations

from pathlib import Path

import typer

config_app = typer.Typer(help="Check a target config.", no_args_is_help=True)

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}


@config_app.command("check")
def check(
    config: Path | None = typer.Option(
        None, "--config", metavar="FILE", help="Target config YAML (default: ./perfscore.yaml)."
    ),
) -> None:
    """Validate the config, then reach each component once (HTTP, MySQL and its grants, Redis, Prometheus,
    logs, process patterns): one line each; exit 0 when all pass, 2 for an invalid config, 3 when one fails."""
    from perfscore.cli.common import DISCOVERED
    from perfscore.config import load_config
    from perfscore.errors import ExitCode, PerfscoreError
    from perfscore.sanitize import clean
    from perfscore.session.healthcheck import remember_secrets, run_checks

    path = config or Path(DISCOVERED)
    if config is None and not path.exists():
        raise PerfscoreError(f"no --config given and no {DISCOVERED} here; write one with 'perfscore init'.")
    cfg = load_config(path)  # YAML and validation errors: exit 2, with the line
    typer.echo(f"✓ config {path}: valid")
    remember_secrets(cfg)  # nothing printed below can carry a password
    checks = run_checks(cfg)
    for c in checks:
        typer.echo(clean(f"{MARKS[c.status]} {c.component}: {c.detail}", oneline=True))
    failed = [c.component for c in checks if c.failed]
    if failed:
        typer.echo(f"perfscore: {len(failed)} component(s) failed: {', '.join(failed)}", err=True)
        raise typer.Exit(int(ExitCode.UNREACHABLE))


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
