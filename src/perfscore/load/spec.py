"""From ``perfscore load``'s options to a checked load plan: the LoadSpec the engine runs, the engine, the
thresholds. Every refusal is a PerfscoreError (exit 2) raised here, before any request is sent; the
command only runs the plan and reports.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from perfscore.errors import PerfscoreError

if TYPE_CHECKING:  # the models import pydantic
    from perfscore.load.thresholds import Threshold
    from perfscore.loadmodel import Endpoint, LoadSpec


@dataclass(frozen=True)
class LoadOptions:
    """The load command's options, as given (durations still text, headers still 'Name: value')."""

    url: str | None = None
    config: Path | None = None
    connections: int = 64
    duration: str | None = None
    rate: float | None = None
    warmup: str | None = None
    requests: int | None = None
    timeout: str = "10s"
    method: str = "GET"
    headers: tuple[str, ...] = ()
    body: str | None = None
    think: str = "0"
    workers: int | None = None
    engine: str = "builtin"
    locust_workers: int = 2
    locust_remote: int = 0
    allow_remote: bool = False
    insecure: bool = False
    fmt: str = "terminal"
    thresholds: tuple[str, ...] = ()
    output: Path | None = None


@dataclass(frozen=True)
class LoadPlan:
    """What a load run will do: the checked spec, the engine that runs it, the thresholds it is held to."""

    spec: LoadSpec
    url: str  # the base URL, as the result names it
    engine: Literal["builtin", "locust"]
    locust_workers: int
    locust_remote: int
    thresholds: list[Threshold]
    fmt: Literal["terminal", "json"]
    output: Path | None
    requests: int | None  # -n, as given


@dataclass(frozen=True)
class _Times:
    duration_s: float
    warmup_s: float
    timeout_s: float
    think_s: float


@dataclass(frozen=True)
class LoadTarget:
    """Where the load goes: the base URL (checked: scheme, loopback unless allowed) and, from a config, its
    endpoint mix and user agent."""

    base: str
    endpoints: list[Endpoint]
    user_agent: str
    allow_remote: bool
    insecure: bool


ConfigReader = Callable[[Path, str | None, bool, bool], LoadTarget]
# redirect_problem(base, headers, user_agent): why a GET's redirects lead nowhere, or None (a probe of the
# target: it lives with the gatherers, which the load engine does not import).
RedirectProbe = Callable[[str, dict[str, str], str], str | None]


def build_plan(
    opts: LoadOptions,
    warn: Callable[[str], None],
    read_config: ConfigReader | None = None,
    redirect_problem: RedirectProbe | None = None,
) -> LoadPlan:
    """Check the options and build the plan; ``warn`` carries a line for stderr (a redirect loop).
    ``read_config(path, url, allow_remote, insecure)`` reads --config's target and endpoint mix (the session's
    ``config_target``: the load engine does not read configs); ``redirect_problem`` checks a lone GET's
    redirects before the run."""
    from perfscore.load.thresholds import parse_threshold

    fmt, engine = _check_choices(opts)
    if opts.output is not None:
        from perfscore.files import check_writable

        check_writable(opts.output)
    _check_ranges(opts)
    times = _times(opts)
    thresholds = [parse_threshold(t) for t in opts.thresholds]
    headers = parse_headers(opts.headers, opts.body)
    target = _target(opts, headers, warn, read_config, redirect_problem)
    spec = _spec(opts, target, headers, times)
    return LoadPlan(
        spec=spec,
        url=target.base,
        engine=engine,
        locust_workers=opts.locust_workers,
        locust_remote=opts.locust_remote,
        thresholds=thresholds,
        fmt=fmt,
        output=opts.output,
        requests=opts.requests,
    )


def _check_choices(opts: LoadOptions) -> tuple[Literal["terminal", "json"], Literal["builtin", "locust"]]:
    fmt = next((f for f in ("terminal", "json") if f == opts.fmt), None)
    if fmt is None:
        raise PerfscoreError(f"unknown format {opts.fmt!r}; choose terminal or json.")
    engine = next((e for e in ("builtin", "locust") if e == opts.engine), None)
    if engine is None:
        raise PerfscoreError(f"unknown engine {opts.engine!r}; choose builtin or locust.")
    if engine == "locust":
        from perfscore.load.locust_engine import locust_command

        locust_command()  # installed? (exit 2 with the install line, before anything is sent)
        if opts.requests is not None:
            raise PerfscoreError("-n is not supported with --engine locust (Locust runs for a duration); use -d.")
        local, remote = opts.locust_workers, opts.locust_remote
        if not 0 <= local <= 256 or not 0 <= remote <= 10_000 or local + remote < 1:
            raise PerfscoreError("--locust-workers and --locust-remote: at least one worker in all, 256 local at most.")
    return fmt, engine


def _check_ranges(opts: LoadOptions) -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if not 1 <= opts.connections <= min(20000, max(1, soft - 64)):
        raise PerfscoreError(
            f"-c {opts.connections} is out of range: 1 to {min(20000, soft - 64)} (open-file limit {soft})."
        )
    if opts.rate is not None and not 0 < opts.rate <= 1_000_000:
        raise PerfscoreError(f"--rate {opts.rate:g} is out of range: more than 0 and at most 1,000,000 req/s.")


def _times(opts: LoadOptions) -> _Times:
    """-d (10s; with -n a cap of 1h), --warmup (1s; 0 with -n, as hey does), --timeout, --think."""
    from perfscore.durations import parse_duration

    duration_s = (
        parse_duration(opts.duration, "-d") if opts.duration is not None else (3600.0 if opts.requests else 10.0)
    )
    if not 0 < duration_s <= 3600:
        raise PerfscoreError(f"-d {opts.duration}: out of range, more than 0 and at most 1h.")
    warmup_s = parse_duration(opts.warmup, "--warmup") if opts.warmup is not None else (0.0 if opts.requests else 1.0)
    timeout_s, think_s = parse_duration(opts.timeout, "--timeout"), parse_duration(opts.think, "--think")
    return _Times(duration_s=duration_s, warmup_s=warmup_s, timeout_s=timeout_s, think_s=think_s)


def parse_headers(raw: tuple[str, ...], body: str | None) -> dict[str, str]:
    """-H 'Name: value' (repeatable); a header or body with CR/LF in it is refused here, never sent."""
    from pydantic import ValidationError

    from perfscore.loadmodel import Endpoint

    headers = {}
    for h in raw:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            raise PerfscoreError(f"header {h!r} is not 'Name: value'.")
        headers[name.strip()] = value.strip()
    try:
        Endpoint(headers=headers, body=body)
    except ValidationError as exc:
        raise PerfscoreError(
            f"invalid request options: {exc.errors()[0]['msg'].removeprefix('Value error, ')}."
        ) from None
    return headers


def _target(
    opts: LoadOptions,
    headers: dict[str, str],
    warn: Callable[[str], None],
    read_config: ConfigReader | None,
    redirect_problem: RedirectProbe | None,
) -> LoadTarget:
    """The URL (or a config's base URL and endpoint mix), allowed and reachable by scheme; for a lone GET, a
    redirect loop found now makes its 3xx count as errors."""
    from perfscore import tls
    from perfscore.load.target import check_target, parse_url

    if opts.config is not None:
        if read_config is None:
            raise PerfscoreError("--config is not supported here.")
        target = read_config(opts.config, opts.url, opts.allow_remote, opts.insecure)
    elif opts.url is None:
        raise PerfscoreError("give a URL, or --config with a target and endpoints.")
    else:
        target = LoadTarget(
            base=opts.url,
            endpoints=[],
            user_agent="perfscore-load",
            allow_remote=opts.allow_remote,
            insecure=opts.insecure,
        )
    tls.configure(target.insecure)
    u = parse_url(target.base)
    check_target(u.host, u.port, u.host_header, target.allow_remote, u.tls, target.insecure)
    if not target.endpoints and opts.method.upper() == "GET" and redirect_problem is not None:
        loop = _redirect_loop(redirect_problem, target.base, u.path, headers, target.user_agent, warn)
        if loop:
            target = replace(target, endpoints=loop)
    return target


def _redirect_loop(
    redirect_problem: RedirectProbe,
    base: str,
    path: str,
    headers: dict[str, str],
    user_agent: str,
    warn: Callable[[str], None],
) -> list[Endpoint]:
    from pydantic import ValidationError

    from perfscore.loadmodel import Endpoint
    from perfscore.sanitize import clean

    loop = redirect_problem(base, headers, user_agent)
    if not loop:
        return []
    warn(f"{path} {clean(loop, oneline=True)}: its 3xx count as errors")
    try:
        # Its redirects lead nowhere: only a 2xx is a success.
        return [Endpoint(path=path, headers=headers, expect_status=list(range(200, 300)))]
    except ValidationError as exc:
        raise PerfscoreError(f"{path!r}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}.") from None


def _spec(opts: LoadOptions, target: LoadTarget, headers: dict[str, str], times: _Times) -> LoadSpec:
    from pydantic import ValidationError

    from perfscore.load.target import parse_url
    from perfscore.loadmodel import Endpoint, LoadSpec

    u = parse_url(target.base)
    try:
        return LoadSpec(
            host=u.host,
            port=u.port,
            host_header=u.host_header,
            tls=u.tls,
            insecure=target.insecure,
            endpoints=target.endpoints
            or [Endpoint(path=u.path, method=opts.method.upper(), headers=headers, body=opts.body)],  # type: ignore[arg-type]
            connections=opts.connections,
            duration_s=times.duration_s,
            warmup_s=times.warmup_s,
            rate=opts.rate,
            max_requests=opts.requests,
            think_time_s=times.think_s,
            timeout_s=times.timeout_s,
            workers=opts.workers or default_workers(u.host, opts.connections),
            user_agent=target.user_agent,
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PerfscoreError(f"invalid load options: {problems}") from None


def default_workers(host: str, connections: int) -> int:
    """One generator process per core; half the cores when the target is on this machine, whose server
    needs the other half (on 2 cores, one process outran two against a local nginx: 92-106k req/s
    against 85-101k, `benchmarks/bench_load.py`)."""
    from perfscore.load.target import is_loopback

    cores = os.cpu_count() or 1
    return max(1, min(cores // 2 if is_loopback(host) else cores, connections))
