"""``perfscore audit`` and ``perfscore init``: measure a live stack, score it, report."""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfscore.cli.common import (
    BASELINE_OPTION,
    FAIL_ON_OPTION,
    FAIL_UNDER_OPTION,
    FORMAT_OPTION,
    MAX_DROP_OPTION,
    OUTPUT_OPTION,
    RUBRIC_OPTION,
    Format,
)
from perfscore.errors import ExitCode, PerfscoreError

if TYPE_CHECKING:  # the models import pydantic: keep `perfscore --help` fast
    from rich.console import Console

    from perfscore.config import Config
    from perfscore.result import Result
    from perfscore.rubric.model import Rubric
    from perfscore.run import Run


def audit(
    config: Path | None = typer.Option(
        None,
        "--config",
        metavar="FILE",
        help="Target config YAML (default: ./perfscore.yaml if there; see 'perfscore init').",
    ),
    url: str | None = typer.Option(None, "--url", metavar="URL", help="Base URL of the app (overrides the config)."),
    insecure: bool = typer.Option(
        False, "-k", "--insecure", help="https://: do not verify the server's certificate (target.insecure_tls)."
    ),
    mysql: str | None = typer.Option(None, "--mysql", metavar="DSN", help="mysql://user[:password]@host:port/db"),
    redis: str | None = typer.Option(None, "--redis", metavar="URL", help="redis://[:password@]host:port/db"),
    process: list[str] = typer.Option(
        [], "--process", metavar="REGEX", help="Regex for app worker command lines (repeatable)."
    ),
    rubric: Path | None = RUBRIC_OPTION,
    duration: str | None = typer.Option(
        None, "--duration", "-d", metavar="DURATION", help="Audit window: 10s, 2m (a bare number is seconds)."
    ),
    fmt: Format | None = FORMAT_OPTION,
    output: list[Path] = OUTPUT_OPTION,
    save_run: Path | None = typer.Option(
        None, "--save-run", metavar="FILE", help="Save the raw measurements (re-score later)."
    ),
    fail_under: list[str] = FAIL_UNDER_OPTION,
    fail_on: list[str] = FAIL_ON_OPTION,
    baseline: Path | None = BASELINE_OPTION,
    max_drop: float | None = MAX_DROP_OPTION,
    history: Path | None = typer.Option(
        None,
        "--history",
        metavar="FILE",
        help="SQLite history to append this audit to (default: gate.history, else the one 'perfscore history' reads).",
    ),
    no_history: bool = typer.Option(False, "--no-history", help="Do not record this audit in the history."),
    engine: str | None = typer.Option(
        None, "--engine", metavar="builtin|locust", help="Load engine for the window and ramp (audit.load.engine)."
    ),
    load_results: Path | None = typer.Option(
        None,
        "--load-results",
        metavar="FILE",
        help="Another tool's results (JMeter .jtl, k6 JSON, Locust --csv prefix) in place of perfscore's traffic.",
    ),
    load_tool: str | None = typer.Option(
        None, "--load-tool", metavar="jmeter|k6|locust", help="Which tool wrote --load-results (default: guessed)."
    ),
    load_command: str | None = typer.Option(
        None,
        "--load-command",
        metavar="CMD",
        help="Run this (no shell) as the window; it writes --load-results while the probes sample the servers.",
    ),
    runs: int = typer.Option(1, "--runs", metavar="N", min=1, max=20, help="Repeat the collection N times."),
    aggregate: str = typer.Option(
        "median", "--aggregate", metavar="median|best|worst", help="Which of the runs to keep: median, best, worst."
    ),
) -> None:
    """Probe a live stack (database, cache, memory, HTTP, monitoring), score it and print the roadmap."""
    from perfscore import tls
    from perfscore.cli.common import DISCOVERED, finish, history_path, plan_outputs
    from perfscore.config import Config, load_config, with_overrides
    from perfscore.durations import parse_duration
    from perfscore.files import check_writable
    from perfscore.gate import parse_fail_on, parse_thresholds
    from perfscore.rubric import load_rubric
    from perfscore.run import save_run as save
    from perfscore.scoring.aggregate import AGGREGATES, select
    from perfscore.session.runner import nothing_reachable

    plan = plan_outputs(fmt, output)
    if aggregate not in AGGREGATES:
        raise PerfscoreError(f"unknown --aggregate {aggregate!r}; choose median, best or worst.")
    window = parse_duration(duration, "--duration") if duration is not None else None
    if window is not None and not 0 < window <= 3600:
        raise PerfscoreError("--duration must be more than 0 and at most 1h.")
    # Rubric, config, gate and output-path errors surface before any probe runs.
    if max_drop is not None and baseline is None:
        raise PerfscoreError("--max-drop needs --baseline (the run or result the score may not fall below).")
    for path in [p for p, _ in plan if p is not None] + [save_run]:
        if path is not None:
            check_writable(path)
    rub = load_rubric(rubric)
    parse_thresholds(fail_under, list(rub.categories))
    parse_fail_on(fail_on, [])
    if config is None and not (url or mysql or redis) and Path(DISCOVERED).is_file():
        config = Path(DISCOVERED)  # like LHCI's rc file: the folder's config, said so
        say(f"using ./{DISCOVERED} (give --config FILE for another)")
    cfg = load_config(config) if config else Config()
    cfg = with_overrides(cfg, url=url, mysql=mysql, redis=redis, processes=process or None, duration=window)
    if insecure:
        cfg = cfg.model_copy(update={"target": cfg.target.model_copy(update={"insecure_tls": True})})
    cfg = _external_load(cfg, load_results, load_tool, load_command)
    if engine is not None:
        if engine not in ("builtin", "locust"):
            raise PerfscoreError(f"unknown engine {engine!r}; choose builtin or locust.")
        cfg = cfg.model_copy(
            update={
                "audit": cfg.audit.model_copy(update={"load": cfg.audit.load.model_copy(update={"engine": engine})})
            }
        )
    if cfg.audit.load.engine == "locust":
        from perfscore.load.locust_engine import locust_command

        locust_command()
    tls.configure(cfg.target.insecure_tls)
    unknown = set(cfg.gate.categories) - set(rub.categories)
    if unknown:
        raise PerfscoreError(f"config gate.categories names unknown categories: {', '.join(sorted(unknown))}.")
    if not (cfg.target.base_url or cfg.mysql or cfg.redis or cfg.prometheus or cfg.hosts):
        raise PerfscoreError(
            f"nothing to audit: give --config (or put a {DISCOVERED} here), or at least one of --url, --mysql, --redis."
        )

    if cfg.prometheus is not None:
        from perfscore.gatherers.cluster import preflight as prometheus_preflight

        warning = prometheus_preflight(cfg)  # refused credentials: exit 2 now, not 45 unavailable metrics later
        if warning:
            say(f"warning: {warning}")
    if cfg.target.base_url and cfg.audit.external_load is None:
        from perfscore.load.target import check_scheme, parse_url

        # An untrusted certificate or the wrong scheme fails every HTTP probe the same way: say it once.
        u = parse_url(cfg.target.base_url)
        check_scheme(u.host, u.port, u.host_header, u.tls, cfg.target.insecure_tls)
    collected = _collect(cfg, rub, runs)
    result, run = select(collected, aggregate)  # narrowed to an Aggregate by the check above
    if runs > 1:
        say(
            f"kept the {aggregate} of {runs} runs: {result.score:.2f} "
            f"(scores {', '.join(f'{r.score:.2f}' for r, _ in collected)})"
        )
    if save_run:
        save(run, save_run)
        say(f"saved run to {save_run}")
    # Decided before history or the gate: an audit that reached nothing must not enter the trend.
    unreachable = nothing_reachable(run)
    hist_path = None if no_history else history_path(history, cfg)
    code = finish(
        result,
        rub,
        plan=plan,
        fail_under=fail_under,
        fail_on=fail_on,
        baseline=baseline,
        max_drop_flag=max_drop is not None,
        max_drop=max_drop if max_drop is not None else cfg.gate.max_drop,
        history=None if unreachable else hist_path,
        history_explicit=history is not None or cfg.gate.history is not None,
        config_floors=cfg.gate.categories,
        config_fail_under=cfg.gate.fail_under,
        config_fail_on=list(cfg.gate.fail_on),
    )
    if unreachable:
        sys.stderr.write(
            "perfscore: nothing could be measured on the target: every probe was unreachable or not configured"
            + (" (not recorded in the history)\n" if hist_path else "\n")
        )
        raise typer.Exit(int(ExitCode.UNREACHABLE))
    raise typer.Exit(int(code))


@functools.cache
def _stderr() -> Console:
    from rich.console import Console

    from perfscore.cli import ui

    # A log line is one line, even in CI; colour as the flags and NO_COLOR / FORCE_COLOR / TERM say.
    colored = ui.color(sys.stderr)
    return Console(
        stderr=True, highlight=False, soft_wrap=True, color_system="auto" if colored else None, force_terminal=colored
    )


def say(line: str) -> None:
    from rich.markup import escape

    from perfscore.cli import ui

    if ui.STATE.quiet:
        return
    from perfscore.sanitize import clean

    _stderr().print(f"[dim]perfscore:[/dim] {escape(clean(line, oneline=True))}")


def _external_load(cfg: Config, results: Path | None, tool: str | None, command: str | None) -> Config:
    """--load-results / --load-tool / --load-command over the config's audit.external_load; the file checked
    now when no command will write it (a typo is exit 2 before the audit, not after its window)."""
    from pydantic import ValidationError

    from perfscore.config import ExternalLoadConfig
    from perfscore.imports import READERS, guess_tool
    from perfscore.imports.base import check_file
    from perfscore.imports.locust import files_of

    if results is None and (tool or command) and cfg.audit.external_load is None:
        raise PerfscoreError("--load-tool and --load-command need --load-results FILE (the file the tool writes).")
    ext = cfg.audit.external_load
    if results is not None or tool or command:
        base = ext.model_dump() if ext else {}
        update: dict[str, object] = {"results": results.resolve()} if results is not None else {}
        update |= {"tool": tool.lower()} if tool else {}
        update |= {"command": command} if command else {}
        try:
            ext = ExternalLoadConfig.model_validate({**base, **update})
        except ValidationError as exc:
            raise PerfscoreError(
                f"--load-tool {tool!r}: choose {', '.join(READERS)}."
                if any(e["loc"] == ("tool",) for e in exc.errors())
                else f"external load: {exc.errors()[0]['msg'].removeprefix('Value error, ')}."
            ) from None
        cfg = cfg.model_copy(update={"audit": cfg.audit.model_copy(update={"external_load": ext})})
    if ext is not None and not ext.command:
        path = ext.results if ext.results.is_absolute() else cfg.base_dir / ext.results
        if (ext.tool or guess_tool(path)) == "locust":
            files_of(path)
        else:
            check_file(path, "load results")
    return cfg


def _collect(cfg: Config, rub: Rubric, runs: int) -> list[tuple[Result, Run]]:
    """Audit ``runs`` times, with a live status line on a terminal and plain progress lines otherwise."""
    from perfscore.cli import ui
    from perfscore.scoring import score_run
    from perfscore.session.runner import run_audit

    err = _stderr()
    collected = []
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        live = err.is_terminal and sys.stderr.isatty() and not ui.STATE.quiet
        status = stack.enter_context(err.status("auditing…")) if live else None

        def progress(done: int, errors: int) -> None:
            if status is not None:
                status.update(f"window traffic: {done:,} responses, {errors:,} errors")

        for i in range(runs):
            prefix = f"run {i + 1}/{runs}: " if runs > 1 else ""
            say(f"{prefix}auditing {cfg.target.name} (window {cfg.audit.duration_s:g}s)")

            def say_run(line: str, p: str = prefix) -> None:
                spent = int(time.monotonic() - t0)
                say(f"[{spent // 60}:{spent % 60:02d}] {p}{line}")  # elapsed, so a CI log shows where time goes
                if status is not None:
                    status.update(p + line)

            run = run_audit(cfg, say_run, progress)
            collected.append((score_run(run, rub), run))
            if runs > 1:
                say(f"{prefix}score {collected[-1][0].score:.2f}")
    return collected


def init(
    path: Path = typer.Argument(Path("perfscore.yaml"), metavar="FILE", help="Where to write the example config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    url: str | None = typer.Option(
        None, "--url", metavar="URL", help="The app's base URL: its PHP-FPM pool names the workers."
    ),
    mysql_port: int | None = typer.Option(
        None, "--mysql-port", metavar="PORT", min=1, max=65535, help="The database's port here."
    ),
    redis_port: int | None = typer.Option(
        None, "--redis-port", metavar="PORT", min=1, max=65535, help="Redis's port here."
    ),
    insecure: bool = typer.Option(
        False, "-k", "--insecure", help="https://: do not verify the certificate (writes target.insecure_tls: true)."
    ),
) -> None:
    """Write a commented example target config; with --url/--mysql-port/--redis-port, process patterns that
    match this app's own pool and servers, not every PHP-FPM or database on the machine."""
    from perfscore.config import example_config
    from perfscore.discover import discover
    from perfscore.files import write_output

    if path.exists() and not force:
        raise PerfscoreError(f"{path} exists; pass --force to overwrite it.")
    if url is not None and not url.startswith(("http://", "https://")):
        raise PerfscoreError(f"--url {url!r}: expected an http:// or https:// URL.")
    from perfscore import tls

    tls.configure(insecure)
    found = discover(url, mysql_port, redis_port)
    for note in found.notes:
        say(note)
    text = example_config(url, mysql_port, redis_port, found.app, found.database, found.cache, insecure_tls=insecure)
    write_output(path, text)
    typer.echo(
        f"wrote {path}: edit the URLs, set PERFSCORE_MYSQL_PASSWORD / PERFSCORE_REDIS_PASSWORD, then run "
        f"'perfscore audit --config {path}'"
    )


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("init")(init)
