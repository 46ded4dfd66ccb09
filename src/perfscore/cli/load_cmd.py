"""``perfscore load URL``: a standalone load test, like wrk or hey."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfscore.errors import ExitCode, Interrupted

if TYPE_CHECKING:
    from collections.abc import Callable

    from perfscore.load.spec import LoadPlan
    from perfscore.load.thresholds import ThresholdOutcome
    from perfscore.loadmodel import LoadResult, LoadSpec


def load(
    url: str | None = typer.Argument(
        None, metavar="URL", help="http:// or https:// URL to load (loopback unless --allow-remote)."
    ),
    config: Path | None = typer.Option(
        None, "--config", metavar="FILE", help="Use the endpoint mix of this target config."
    ),
    connections: int = typer.Option(
        64, "-c", "--connections", metavar="N", help="Concurrent keep-alive connections (users)."
    ),
    duration: str | None = typer.Option(
        None,
        "-d",
        "--duration",
        metavar="DURATION",
        help="Time to measure, after the warm-up: 10s, 2m, 500ms (default 10s; with -n, a cap of 1h).",
    ),
    rate: float | None = typer.Option(
        None, "--rate", metavar="REQ/S", help="Open model: constant arrival rate in req/s."
    ),
    warmup: str | None = typer.Option(
        None, "--warmup", metavar="DURATION", help="Warm-up, not counted (default 1s; 0 with -n, as hey does)."
    ),
    requests: int | None = typer.Option(
        None, "-n", "--requests", metavar="N", help="Send exactly N measured requests (responses and failures)."
    ),
    timeout: str = typer.Option("10s", "--timeout", metavar="DURATION", help="Per-request timeout."),
    method: str = typer.Option("GET", "-m", "--method", metavar="METHOD", help="HTTP method."),
    header: list[str] = typer.Option(
        [], "-H", "--header", metavar="'NAME: VALUE'", help="Extra header 'Name: value' (repeatable)."
    ),
    body: str | None = typer.Option(None, "--body", metavar="TEXT", help="Request body (for POST/PUT)."),
    think: str = typer.Option("0", "--think", metavar="DURATION", help="Closed model: think time between requests."),
    workers: int | None = typer.Option(
        None, "--workers", metavar="N", help="Generator processes (default: one per core, half for a loopback target)."
    ),
    engine: str = typer.Option(
        "builtin", "--engine", metavar="builtin|locust", help="Load engine: perfscore's own, or a Locust cluster."
    ),
    locust_workers: int = typer.Option(
        2, "--locust-workers", metavar="N", help="--engine locust: local workers to start (0: remote ones only)."
    ),
    locust_remote: int = typer.Option(
        0, "--locust-remote", metavar="N", help="--engine locust: workers to wait for from other hosts."
    ),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow a target that is not loopback."),
    insecure: bool = typer.Option(
        False, "-k", "--insecure", help="https://: do not verify the server's certificate (as curl -k)."
    ),
    fmt: str = typer.Option("terminal", "--format", "-f", metavar="terminal|json", help="Output format."),
    latency: bool = typer.Option(False, "--latency", help="Print the latency distribution (p50…p100, HDR buckets)."),
    threshold: list[str] = typer.Option(
        [],
        "--threshold",
        metavar="EXPR",
        help="k6-style pass/fail, e.g. 'p95<200' 'errors<1%' (repeatable); exit 1 on a miss.",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the result here instead of stdout."
    ),
) -> None:
    """Load one URL (or a config's endpoint mix) and report throughput, latency percentiles and errors."""
    from perfscore.load.spec import LoadOptions, build_plan
    from perfscore.load.thresholds import evaluate
    from perfscore.loadmodel import LoadResult
    from perfscore.session.traffic import config_target

    options = LoadOptions(
        url=url,
        config=config,
        connections=connections,
        duration=duration,
        rate=rate,
        warmup=warmup,
        requests=requests,
        timeout=timeout,
        method=method,
        headers=tuple(header),
        body=body,
        think=think,
        workers=workers,
        engine=engine,
        locust_workers=locust_workers,
        locust_remote=locust_remote,
        allow_remote=allow_remote,
        insecure=insecure,
        fmt=fmt,
        thresholds=tuple(threshold),
        output=output,
    )
    plan = build_plan(options, _stderr_line, config_target, _redirect_problem)
    try:
        result = _run(plan)
    except Interrupted as exc:  # as hey, oha and k6: the summary of what ran, then the signal's exit code
        if not isinstance(exc.partial, LoadResult):
            raise
        _report(plan, _finish(plan, exc.partial), evaluate(plan.thresholds, exc.partial), latency=latency)
        name = {2: "SIGINT", 15: "SIGTERM"}.get(exc.signum, f"signal {exc.signum}")
        sys.stderr.write(f"\nperfscore: interrupted ({name}): the summary above is of what ran\n")
        raise typer.Exit(exc.exit_code) from None
    outcomes = evaluate(plan.thresholds, result)
    _report(plan, result, outcomes, latency=latency)
    failed = _failed(result)
    missed = [o.expression for o in outcomes if not o.passed]
    if missed:
        failed = (failed + "; " if failed else "") + "thresholds missed: " + ", ".join(missed)
    if failed:
        sys.stderr.write(f"perfscore: {failed}\n")
        raise typer.Exit(int(ExitCode.GATE_FAILED))


def _redirect_problem(base: str, headers: dict[str, str], user_agent: str) -> str | None:
    from perfscore.gatherers.redirects import redirect_problem  # the probes: imported only when needed

    return redirect_problem(base, headers, user_agent)


def _run(plan: LoadPlan) -> LoadResult:
    """Run the plan on its engine (see ``_finish``)."""
    from perfscore.cli import ui
    from perfscore.load.engine import run_load

    spec = plan.spec
    progress = None if ui.STATE.quiet or plan.engine == "locust" else _progress(spec)
    if plan.engine == "locust":
        from perfscore.load.locust_engine import run_locust

        if not ui.STATE.quiet:
            sys.stderr.write(
                f"perfscore: Locust master + {plan.locust_workers + plan.locust_remote} worker(s), "
                f"{spec.connections} users, {spec.duration_s:g}s\n"
            )
        from perfscore.imports.locust import read

        result = run_locust(
            spec, read=read, workers=plan.locust_workers, remote_workers=plan.locust_remote, say=_stderr_line
        )[0]
    else:
        result = run_load(spec, progress)
    return _finish(plan, result)


def _finish(plan: LoadPlan, result: LoadResult) -> LoadResult:
    """The result names the URL, and says when -n was cut short by -d."""
    from perfscore.cli import ui

    result = result.model_copy(update={"url": plan.url})
    if not ui.STATE.quiet and plan.engine != "locust" and sys.stderr.isatty():
        sys.stderr.write("\n")  # past the progress line
    spec = plan.spec
    if plan.requests is not None and result.requests < plan.requests and not _interrupted(result):
        note = f"-n {plan.requests:,} not reached: the -d {spec.duration_s:g}s cap ended the run"
        result = result.model_copy(update={"notes": [*result.notes, note]})
    return result


def _interrupted(result: LoadResult) -> bool:
    return any(n.startswith("interrupted") for n in result.notes)


def _report(plan: LoadPlan, result: LoadResult, outcomes: list[ThresholdOutcome], *, latency: bool) -> None:
    from perfscore.cli import ui
    from perfscore.reporters.load_report import render_json, render_terminal

    output = plan.output
    text = (
        render_json(result, outcomes)
        if plan.fmt == "json"
        else render_terminal(
            result,
            color=output is None and ui.color(sys.stdout),
            width=ui.width(sys.stdout) if output is None else 110,
            latency=latency,
            thresholds=outcomes,
        )
    )
    if output:
        from perfscore.files import write_output

        write_output(output, text)
    else:
        sys.stdout.write(text)


def _stderr_line(line: str) -> None:
    sys.stderr.write(f"perfscore: {line}\n")


def _progress(spec: LoadSpec) -> Callable[[int, int], None]:
    """One line that rewrites itself on a terminal; a plain line every 5 s off one (a CI log)."""
    started = time.monotonic()
    total = spec.warmup_s + spec.duration_s
    tty = sys.stderr.isatty()
    last = [0.0]

    def progress(done: int, errors: int) -> None:
        spent = time.monotonic() - started
        left = "" if spec.max_requests else f", ~{max(0.0, total - spent):.0f}s left"
        line = f"{done:,} responses, {errors:,} errors ({spent:.0f}s{left})"
        if tty:
            sys.stderr.write(f"\r\x1b[K  {line}")
            sys.stderr.flush()
        elif spent - last[0] >= 5:
            last[0] = spent
            sys.stderr.write(f"perfscore: {line}\n")

    return progress


def _failed(result: LoadResult) -> str | None:
    """Why this run measured nothing worth a figure (exit 1), or None."""
    if result.local_errors:
        return (
            f"invalid run: {result.local_errors:,} connects failed on this machine (file descriptors or ports ran "
            "out); raise 'ulimit -n' or lower -c"
        )
    if result.requests == 0:
        return "no request completed: the target accepted connections but never answered (or nothing was sent)"
    if result.errors >= result.requests:
        return f"every request failed ({result.errors:,} of {result.requests:,}): the figures are of failures"
    return None


def register(app: typer.Typer) -> None:
    app.command("load")(load)
