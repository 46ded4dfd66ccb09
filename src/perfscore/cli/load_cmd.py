"""``perfscore load URL``: a standalone load test, like wrk or hey."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfscore.errors import ExitCode, PerfscoreError

if TYPE_CHECKING:
    from collections.abc import Callable

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
    from pydantic import ValidationError

    from perfscore import tls
    from perfscore.cli import ui
    from perfscore.durations import parse_duration
    from perfscore.load.engine import run_load
    from perfscore.load.target import check_target, parse_url
    from perfscore.load.thresholds import evaluate, parse_threshold
    from perfscore.loadmodel import Endpoint, LoadSpec
    from perfscore.reporters.load_report import render_json, render_terminal
    from perfscore.sanitize import clean

    if fmt not in ("terminal", "json"):
        raise PerfscoreError(f"unknown format {fmt!r}; choose terminal or json.")
    if engine not in ("builtin", "locust"):
        raise PerfscoreError(f"unknown engine {engine!r}; choose builtin or locust.")
    if engine == "locust":
        from perfscore.load.locust_engine import locust_command

        locust_command()  # installed? (exit 2 with the install line, before anything is sent)
        if requests is not None:
            raise PerfscoreError("-n is not supported with --engine locust (Locust runs for a duration); use -d.")
        if not 0 <= locust_workers <= 256 or not 0 <= locust_remote <= 10_000 or locust_workers + locust_remote < 1:
            raise PerfscoreError("--locust-workers and --locust-remote: at least one worker in all, 256 local at most.")
    if output is not None:
        from perfscore.files import check_writable

        check_writable(output)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if not 1 <= connections <= min(20000, max(1, soft - 64)):
        raise PerfscoreError(
            f"-c {connections} is out of range: 1 to {min(20000, soft - 64)} (open-file limit {soft})."
        )
    if rate is not None and not 0 < rate <= 1_000_000:
        raise PerfscoreError(f"--rate {rate:g} is out of range: more than 0 and at most 1,000,000 req/s.")
    duration_s = parse_duration(duration, "-d") if duration is not None else (3600.0 if requests else 10.0)
    if not 0 < duration_s <= 3600:
        raise PerfscoreError(f"-d {duration}: out of range, more than 0 and at most 1h.")
    warmup_s = parse_duration(warmup, "--warmup") if warmup is not None else (0.0 if requests else 1.0)
    timeout_s, think_s = parse_duration(timeout, "--timeout"), parse_duration(think, "--think")
    thresholds = [parse_threshold(t) for t in threshold]
    headers = {}
    for h in header:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            raise PerfscoreError(f"header {h!r} is not 'Name: value'.")
        headers[name.strip()] = value.strip()
    try:  # before any connection: a header with CR/LF in it is refused, never sent
        Endpoint(headers=headers, body=body)
    except ValidationError as exc:
        raise PerfscoreError(
            f"invalid request options: {exc.errors()[0]['msg'].removeprefix('Value error, ')}."
        ) from None
    endpoints: list[Endpoint] = []
    user_agent = "perfscore-load"
    if config is not None:
        from perfscore.config import load_config
        from perfscore.session.traffic import config_endpoints

        cfg = load_config(config)
        base = url or cfg.target.base_url
        if not base or not cfg.endpoints:
            raise PerfscoreError(f"{config} has no target.base_url or no endpoints; give a URL.")
        allow_remote = allow_remote or cfg.target.allow_remote
        insecure = insecure or cfg.target.insecure_tls
        tls.configure(insecure)
        u = parse_url(base)
        check_target(u.host, u.port, u.host_header, allow_remote, u.tls, insecure)  # before the redirect check
        endpoints = config_endpoints(cfg, base)
        user_agent = cfg.target.user_agent
    elif url is None:
        raise PerfscoreError("give a URL, or --config with a target and endpoints.")
    else:
        base = url
    tls.configure(insecure)
    host, port, host_header, path, use_tls = parse_url(base)
    check_target(host, port, host_header, allow_remote, use_tls, insecure)
    if not endpoints and method.upper() == "GET":
        from perfscore.gatherers.redirects import redirect_problem, strict  # the probes: only when needed

        loop = redirect_problem(base, headers, user_agent)
        if loop:
            sys.stderr.write(f"perfscore: {path} {clean(loop, oneline=True)}: its 3xx count as errors\n")
            try:
                endpoints = [strict(Endpoint(path=path, headers=headers))]
            except ValidationError as exc:
                raise PerfscoreError(f"{path!r}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}.") from None
    try:
        spec = LoadSpec(
            host=host,
            port=port,
            host_header=host_header,
            tls=use_tls,
            insecure=insecure,
            endpoints=endpoints or [Endpoint(path=path, method=method.upper(), headers=headers, body=body)],  # type: ignore[arg-type]
            connections=connections,
            duration_s=duration_s,
            warmup_s=warmup_s,
            rate=rate,
            max_requests=requests,
            think_time_s=think_s,
            timeout_s=timeout_s,
            workers=workers or default_workers(host, connections),
            user_agent=user_agent,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PerfscoreError(f"invalid load options: {problems}") from None

    progress = None if ui.STATE.quiet or engine == "locust" else _progress(spec)
    if engine == "locust":
        from perfscore.imports.locust import read
        from perfscore.load.locust_engine import run_locust

        if not ui.STATE.quiet:
            sys.stderr.write(
                f"perfscore: Locust master + {locust_workers + locust_remote} worker(s), {connections} users, "
                f"{duration_s:g}s\n"
            )
        result = run_locust(spec, read=read, workers=locust_workers, remote_workers=locust_remote, say=_stderr_line)[
            0
        ].model_copy(update={"url": base})
    else:
        result = run_load(spec, progress).model_copy(update={"url": base})
    if progress is not None and sys.stderr.isatty():
        sys.stderr.write("\n")
    if requests is not None and result.requests < requests:
        result = result.model_copy(
            update={"notes": [*result.notes, f"-n {requests:,} not reached: the -d {duration_s:g}s cap ended the run"]}
        )
    outcomes = evaluate(thresholds, result)
    text = (
        render_json(result, outcomes)
        if fmt == "json"
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
    failed = _failed(result)
    missed = [o.expression for o in outcomes if not o.passed]
    if missed:
        failed = (failed + "; " if failed else "") + "thresholds missed: " + ", ".join(missed)
    if failed:
        sys.stderr.write(f"perfscore: {failed}\n")
        raise typer.Exit(int(ExitCode.GATE_FAILED))


def _stderr_line(line: str) -> None:
    sys.stderr.write(f"perfscore: {line}\n")


def default_workers(host: str, connections: int) -> int:
    """One generator process per core; half the cores when the target is on this machine, whose server
    needs the other half (on 2 cores, one process outran two against a local nginx: 92-106k req/s
    against 85-101k, `benchmarks/bench_load.py`)."""
    from perfscore.load.target import is_loopback

    cores = os.cpu_count() or 1
    return max(1, min(cores // 2 if is_loopback(host) else cores, connections))


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
