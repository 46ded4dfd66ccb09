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
    ASSERT_OPTION,
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

    from perfscore.config import Config, MySQLConfig
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
    asserts: list[str] = ASSERT_OPTION,
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
    ramp: bool | None = typer.Option(
        None,
        "--ramp/--no-ramp",
        help="Run the scalability ramp, or not (production, a quick look): over audit.load.scalability.",
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
    faults: bool = typer.Option(
        False, "--faults", help="Inject the config's faults (audit.resilience) under steady traffic; time recovery."
    ),
    allow_partial: bool = typer.Option(
        False,
        "--allow-partial",
        help="Exit 0/1 even when a configured component could not be measured (else exit 3).",
    ),
    access_logs: list[Path] = typer.Option(
        [], "--access-log", metavar="FILE", help="Field data: the users' requests from this access log (repeat it)."
    ),
    log_format: str | None = typer.Option(
        None, "--log-format", metavar="FORMAT", help="The access log's nginx log_format (default: combined)."
    ),
) -> None:
    """Probe a live stack (database, cache, memory, HTTP, monitoring), score it and print the roadmap."""
    from perfscore.cli.common import finish, plan_outputs
    from perfscore.gate import GateOptions
    from perfscore.run import save_run as save
    from perfscore.scoring.aggregate import noise, select
    from perfscore.session.plan import AuditOptions, build_plan
    from perfscore.session.runner import nothing_reachable

    reports = plan_outputs(fmt, output)
    gate = GateOptions(
        fail_under=tuple(fail_under),
        fail_on=tuple(fail_on),
        baseline=baseline,
        max_drop=max_drop,
        asserts=tuple(asserts),
    )
    options = AuditOptions(
        config=config,
        url=url,
        insecure=insecure,
        mysql=mysql,
        redis=redis,
        process=tuple(process),
        rubric=rubric,
        duration=duration,
        writes=tuple(p for p, _ in reports if p is not None),
        save_run=save_run,
        gate=gate,
        history=history,
        no_history=no_history,
        engine=engine,
        ramp=ramp,
        faults=faults,
        load_results=load_results,
        load_tool=load_tool,
        load_command=load_command,
        runs=runs,
        aggregate=aggregate,
        access_logs=tuple(access_logs),
        log_format=log_format,
    )
    plan = build_plan(options, say)
    collected = _collect(plan.config, plan.rubric, plan.runs, faults)
    from perfscore.run import unreached

    # A run that could not reach a configured server is no sample of the stack's noise, nor the one kept
    # while a whole one exists; it makes the audit partial all the same.
    failed = {p.name: p for _, r in collected for p in unreached(r)}
    whole_runs = [(r, rr) for r, rr in collected if not unreached(rr)]
    result, run = select(whole_runs or collected, plan.aggregate)
    whole = [r for r, _ in whole_runs]
    spread = noise(whole)
    if spread is not None:
        run = run.model_copy(update={"noise": spread})
        result = result.model_copy(update={"noise": spread})
    if plan.runs > 1:
        said = f"; noise: the score moved {spread.score_spread:.2f} points on the unchanged stack" if spread else ""
        left_out = (
            f" ({len(collected) - len(whole)} partial runs left out of the noise)"
            if len(whole) < len(collected)
            else ""
        )
        say(
            f"kept the {plan.aggregate} of {plan.runs} runs: {result.score:.2f} "
            f"(scores {', '.join(f'{r.score:.2f}' for r, _ in collected)}){said}{left_out}"
        )
    if plan.save_run:
        save(run, plan.save_run)
        say(f"saved run to {plan.save_run}")
    partial = bool(failed) and not (allow_partial or plan.config.audit.allow_partial)
    # Decided before history or the gate: an audit that reached nothing, or only part of what the config
    # names (unless allowed), must not enter the trend.
    unreachable = nothing_reachable(run)
    history_to = None if unreachable or partial else plan.history
    code = finish(result, plan.rubric, reports, plan.gate, history_to, history_explicit=plan.history_explicit)
    if unreachable:
        sys.stderr.write(
            "perfscore: nothing could be measured on the target: every probe was unreachable or not configured"
            + (" (not recorded in the history)\n" if plan.history else "\n")
        )
        raise typer.Exit(int(ExitCode.UNREACHABLE))
    if partial:
        from perfscore.sanitize import clean

        for p in failed.values():
            sys.stderr.write(f"perfscore: {p.name} could not be measured: {clean(p.message or '', oneline=True)}\n")
        sys.stderr.write(
            f"perfscore: a partial audit ({', '.join(failed)} not measured, their figures scored 0; not recorded "
            "in the history): exit 3; fix the config, or pass --allow-partial (audit.allow_partial: true)\n"
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


def _collect(cfg: Config, rub: Rubric, runs: int, faults: bool = False) -> list[tuple[Result, Run]]:
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

            run = run_audit(cfg, say_run, progress, faults=faults)
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
    replicas: bool | None = typer.Option(
        None, "--replicas/--no-replicas", help="Whether the database should have read replicas (default: as found)."
    ),
    access_logs: list[Path] = typer.Option(
        [],
        "--access-log",
        metavar="FILE",
        help="Real traffic: the endpoint mix from its top GET routes and the SLO's peak from its busiest minute.",
    ),
    log_format: str | None = typer.Option(
        None, "--log-format", metavar="FORMAT", help="The access log's nginx log_format (default: combined)."
    ),
    baseline_run: Path | None = typer.Option(
        None,
        "--baseline-run",
        metavar="FILE",
        help="A run saved by 'audit --runs 3 --save-run FILE': gate.max_drop from the noise it measured.",
    ),
) -> None:
    """Write a commented example target config; with --url/--mysql-port/--redis-port, process patterns that
    match this app's own pool and servers, not every PHP-FPM or database on the machine; with --access-log,
    the endpoint mix and the SLO of the site's real traffic."""
    from perfscore.config import example_config
    from perfscore.discover import default_slo, discover, from_traffic, slo_of
    from perfscore.files import write_output

    if path.exists() and not force:
        raise PerfscoreError(f"{path} exists; pass --force to overwrite it.")
    if url is not None and not url.startswith(("http://", "https://")):
        raise PerfscoreError(f"--url {url!r}: expected an http:// or https:// URL.")
    from perfscore import tls

    tls.configure(insecure)
    from perfscore.intent import infer

    max_drop = _noise_max_drop(baseline_run) if baseline_run is not None else None
    traffic = from_traffic(access_logs, log_format) if access_logs else None
    found = discover(url, mysql_port, redis_port, mysql=_init_mysql(mysql_port))
    intent = infer(url, mysql_port, redis_port, replicas)
    slo, slo_note = (
        (None, None)
        if traffic is not None
        else slo_of(found)
        if url is not None
        else default_slo("no --url or --access-log given, so no access log to read the site's peak from")
    )
    for note in found.notes + intent.notes + ([slo_note] if slo_note else []) + ([traffic[2]] if traffic else []):
        say(note)
    section: str | None = _discover_endpoints(url) if url is not None and traffic is None else None
    if traffic is not None:
        section, slo = traffic[0], traffic[1]
    text = example_config(
        url,
        mysql_port,
        redis_port,
        found.app,
        found.database,
        found.cache,
        insecure_tls=insecure,
        redis_auth=intent.redis_auth,
        replicas=intent.replicas,
        replicas_note=intent.replicas_note,
        fpm_status=intent.fpm_status if intent.tried_fpm else True,
        opcache_status=intent.opcache_status,
        logs=found.logs,
        databases=intent.databases,
        endpoints=section,
        slo=slo,
        max_drop=max_drop,
    )
    write_output(path, text)
    env = "PERFSCORE_MYSQL_PASSWORD" + ("" if intent.redis_auth is False else " / PERFSCORE_REDIS_PASSWORD")
    typer.echo(f"wrote {path}: edit the URLs, set {env}, then run 'perfscore audit --config {path}'")


def _noise_max_drop(path: Path) -> str:
    """The gate's max_drop line from the noise a saved run measured on the target (audit --runs N)."""
    from perfscore.config import noise_max_drop
    from perfscore.run import load_run

    run = load_run(path)
    if run.noise is None:
        raise PerfscoreError(
            f"{path} holds one audit, so no noise: save it with 'perfscore audit --runs 3 --save-run {path}'."
        )
    say(f"max_drop from {path}: {run.noise.runs} audits of the unchanged stack moved the score "
        f"{run.noise.score_spread:.2f} points")  # fmt: skip
    return noise_max_drop(run.noise.runs, run.noise.score_spread)


def _init_mysql(port: int | None) -> MySQLConfig | None:
    """How init reaches the database for its log variables: the user and password variable its config names."""
    if port is None:
        return None
    from perfscore.config import MySQLConfig
    from perfscore.discover import MYSQL_PASSWORD_ENV

    return MySQLConfig(port=port, password_env=MYSQL_PASSWORD_ENV)


def _discover_endpoints(url: str) -> str:
    """Crawl ``url`` as a visitor would (bounded, GET only) and return the config's endpoints section."""
    from perfscore.config import DEFAULT_USER_AGENT, endpoints_section
    from perfscore.gatherers.crawl import crawl, summary
    from perfscore.routes import group

    seen = crawl(url, user_agent=DEFAULT_USER_AGENT)
    grouping = group(seen.found)
    say(summary(seen, grouping))
    return endpoints_section(url.rstrip("/"), grouping, seen.forms, seen.pages, seen.requests)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.command("init")(init)
