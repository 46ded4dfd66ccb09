"""``perfscore audit`` and ``perfscore init``: measure a live stack, score it, report."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from perfscore.cli.common import FORMAT_HELP, check_fail_under
from perfscore.errors import ExitCode, PerfscoreError


def audit(
    config: Path | None = typer.Option(None, "--config", "-c", help="Target config YAML (see 'perfscore init')."),
    url: str | None = typer.Option(None, "--url", help="Base URL of the app (overrides the config)."),
    mysql: str | None = typer.Option(None, "--mysql", help="mysql://user[:password]@host:port/db"),
    redis: str | None = typer.Option(None, "--redis", help="redis://[:password@]host:port/db"),
    process: list[str] = typer.Option([], "--process", help="Regex for app worker command lines (repeatable)."),
    rubric: Path | None = typer.Option(None, "--rubric", "-r", help="Rubric YAML (default: bundled loanflow)."),
    duration: float | None = typer.Option(None, "--duration", "-d", help="Audit window in seconds."),
    fmt: str = typer.Option("terminal", "--format", "-f", help=FORMAT_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout."),
    save_run: Path | None = typer.Option(None, "--save-run", help="Save the raw measurements (re-score later)."),
    fail_under: float | None = typer.Option(
        None, "--fail-under", callback=check_fail_under, help="Exit 1 if the score is below this."
    ),
) -> None:
    """Probe a live stack (database, cache, memory, HTTP, monitoring), score it and print the roadmap."""
    from rich.console import Console
    from rich.markup import escape

    from perfscore.audit.runner import run_audit
    from perfscore.cli.common import emit, gate
    from perfscore.config import Config, load_config, with_overrides
    from perfscore.reporters import FORMATS
    from perfscore.rubric import load_rubric
    from perfscore.run import save_run as save
    from perfscore.scoring import score_run

    if fmt not in FORMATS:
        raise PerfscoreError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    if duration is not None and not 0 < duration <= 3600:
        raise PerfscoreError("--duration must be more than 0 and at most 3600 seconds.")
    rub = load_rubric(rubric)  # rubric and config errors surface before any probe runs
    cfg = load_config(config) if config else Config()
    cfg = with_overrides(cfg, url=url, mysql=mysql, redis=redis, processes=process or None, duration=duration)
    if not (cfg.target.base_url or cfg.mysql or cfg.redis):
        raise PerfscoreError("nothing to audit: give --config, or at least one of --url, --mysql, --redis.")

    err = Console(stderr=True, highlight=False)

    def say(line: str) -> None:
        err.print(f"[dim]perfscore:[/dim] {escape(line)}")

    say(f"auditing {cfg.target.name} (window {cfg.audit.duration_s:g}s)")
    run = run_audit(cfg, say)
    if save_run:
        save(run, save_run)
        say(f"saved run to {save_run}")
    result = score_run(run, rub)
    emit(result, fmt, output)
    from perfscore.probes import PROBES

    remote = {m for p in PROBES if not p.local for m in p.metrics}
    if not any(m.status == "measured" and m.metric in remote for m in run.measurements):
        sys.stderr.write(
            "perfscore: nothing could be measured on the target: every probe was unreachable or not configured\n"
        )
        raise typer.Exit(int(ExitCode.UNREACHABLE))
    raise typer.Exit(int(gate(result, fail_under)))


def init(
    path: Path = typer.Argument(Path("perfscore.yaml"), help="Where to write the example config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented example target config."""
    from perfscore.config import EXAMPLE

    if path.exists() and not force:
        raise PerfscoreError(f"{path} exists; pass --force to overwrite it.")
    path.write_text(EXAMPLE)
    typer.echo(
        f"wrote {path}: edit the URLs, set PERFSCORE_MYSQL_PASSWORD / PERFSCORE_REDIS_PASSWORD, then run "
        f"'perfscore audit --config {path}'"
    )


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("init")(init)
