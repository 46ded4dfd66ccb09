"""The audit plan: what ``perfscore audit`` will run, built from its options and the target config.

Every mistake in the options, the rubric, the config or the gate is found here, as a PerfscoreError
(exit 2), before any probe runs; the command then only collects, scores and reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from perfscore.errors import PerfscoreError
from perfscore.gate import GateOptions

if TYPE_CHECKING:  # the models import pydantic
    from perfscore.config import Config
    from perfscore.rubric.model import Rubric
    from perfscore.scoring.aggregate import Aggregate

DISCOVERED = "perfscore.yaml"  # the config found in the current folder when none is given
ENGINES = ("builtin", "locust")


@dataclass(frozen=True)
class AuditOptions:
    """The audit command's options, as given."""

    config: Path | None = None
    url: str | None = None
    insecure: bool = False
    mysql: str | None = None
    redis: str | None = None
    process: tuple[str, ...] = ()
    rubric: Path | None = None
    duration: str | None = None
    writes: tuple[Path, ...] = ()  # the report files the command will write
    save_run: Path | None = None
    gate: GateOptions = field(default_factory=GateOptions)
    history: Path | None = None
    no_history: bool = False
    engine: str | None = None
    load_results: Path | None = None
    load_tool: str | None = None
    load_command: str | None = None
    runs: int = 1
    aggregate: str = "median"
    ramp: bool | None = None  # --ramp/--no-ramp over audit.load.scalability
    faults: bool = False  # --faults: refused here against a remote target, before any packet is sent
    access_logs: tuple[Path, ...] = ()  # field data: these access logs, over the config's field section
    log_format: str | None = None


@dataclass(frozen=True)
class AuditPlan:
    """What an audit will run: the config with the options applied, the rubric, the runs to keep, where the
    run and the history go, and the gate (options over the config's gate section)."""

    config: Config
    rubric: Rubric
    runs: int
    aggregate: Aggregate
    save_run: Path | None
    gate: GateOptions
    history: Path | None  # None: --no-history
    history_explicit: bool  # a history someone asked for: failing to record it is an error, not a warning


def build_plan(opts: AuditOptions, say: Callable[[str], None]) -> AuditPlan:
    """Check the options and build the plan; ``say`` carries notes (the discovered config, a warning)."""
    from perfscore import tls
    from perfscore.durations import parse_duration
    from perfscore.files import check_writable
    from perfscore.rubric import load_rubric
    from perfscore.scoring.aggregate import AGGREGATES

    aggregate = next((a for a in AGGREGATES if a == opts.aggregate), None)
    if aggregate is None:
        raise PerfscoreError(f"unknown --aggregate {opts.aggregate!r}; choose median, best or worst.")
    window = parse_duration(opts.duration, "--duration") if opts.duration is not None else None
    if window is not None and not 0 < window <= 3600:
        raise PerfscoreError("--duration must be more than 0 and at most 1h.")
    # Rubric, config, gate and output-path errors surface before any probe runs.
    if opts.gate.max_drop is not None and opts.gate.baseline is None:
        from perfscore.gate import NEEDS_BASELINE

        raise PerfscoreError(NEEDS_BASELINE)
    for path in [*opts.writes, opts.save_run]:
        if path is not None:
            check_writable(path)
    rub = load_rubric(opts.rubric)
    metrics = {mid: m.unit for mid, m in rub.metrics.items()}
    opts.gate.check(list(rub.categories), metrics)
    cfg = _with_field(_config(opts, window, say), opts)
    tls.configure(cfg.target.insecure_tls)
    unknown = set(cfg.gate.categories) - set(rub.categories)
    if unknown:
        raise PerfscoreError(f"config gate.categories names unknown categories: {', '.join(sorted(unknown))}.")
    opts.gate.with_config(cfg.gate).budgets(metrics)  # a budget on an unknown metric: exit 2, before any probe
    if not (cfg.target.base_url or cfg.mysql or cfg.redis or cfg.prometheus or cfg.hosts):
        raise PerfscoreError(
            f"nothing to audit: give --config (or put a {DISCOVERED} here), or at least one of --url, --mysql, --redis."
        )
    if opts.faults:
        from perfscore.session import resilience

        if cfg.audit.resilience is None:  # asked for by name: a usage error, before a whole audit runs
            raise PerfscoreError(
                "--faults, but the config names no fault: add audit.resilience.faults (docs/auditing.md, "
                "Faults and recovery), or leave --faults out."
            )
        if resilience.not_configured(cfg, True) is None:
            resilience.check_allowed(cfg)  # before the preflight's first packet to the target
    preflight(cfg, say)
    if opts.config is None and opts.url and cfg.target.base_url and cfg.audit.external_load is None:
        # --url and no config (a ./perfscore.yaml is used only without --url): the app's pages, not / alone.
        # Last, once every check passed: a mistake costs no crawl.
        cfg = discovered_mix(cfg, say)
    from perfscore.history import path_for

    return AuditPlan(
        config=cfg,
        rubric=rub,
        runs=opts.runs,
        aggregate=aggregate,
        save_run=opts.save_run,
        gate=opts.gate.with_config(cfg.gate),
        history=None if opts.no_history else path_for(opts.history, cfg),
        history_explicit=opts.history is not None or cfg.gate.history is not None,
    )


def _with_field(cfg: Config, opts: AuditOptions) -> Config:
    """--access-log / --log-format over the config's ``field:`` section (its since and scores kept)."""
    if not opts.access_logs and opts.log_format is None:
        return cfg
    from pydantic import ValidationError

    from perfscore.config import FieldConfig

    base = cfg.field.model_dump() if cfg.field else {}
    if opts.access_logs:  # as typed, from here: not from the config's folder
        base["access_logs"] = [p.absolute() for p in opts.access_logs]
    if opts.log_format is not None:
        base["log_format"] = opts.log_format
    if not base.get("access_logs"):
        raise PerfscoreError("--log-format needs --access-log (or access logs in the config's field: section).")
    try:
        return cfg.model_copy(update={"field": FieldConfig.model_validate(base)})
    except ValidationError as exc:
        raise PerfscoreError(
            f"--access-log/--log-format: {exc.errors()[0]['msg'].removeprefix('Value error, ')}."
        ) from None


def _config(opts: AuditOptions, window: float | None, say: Callable[[str], None]) -> Config:
    """The target config (given, or ./perfscore.yaml when nothing names a target) with the options over it."""
    from perfscore.config import Config, load_config, with_overrides

    config = opts.config
    if config is None and not (opts.url or opts.mysql or opts.redis) and Path(DISCOVERED).is_file():
        config = Path(DISCOVERED)  # like LHCI's rc file: the folder's config, said so
        say(f"using ./{DISCOVERED} (give --config FILE for another)")
    cfg = load_config(config) if config else Config()
    cfg = with_overrides(
        cfg,
        url=opts.url,
        mysql=opts.mysql,
        redis=opts.redis,
        processes=list(opts.process) or None,
        duration=window,
        ramp=opts.ramp,
    )
    # Without a config, or with one that names no processes, the host says which serve the target.
    asked = config is None and opts.url or config is not None and "processes" not in cfg.model_fields_set
    if asked and not opts.process:
        cfg = from_this_host(cfg, say)
    if opts.insecure:
        cfg = cfg.model_copy(update={"target": cfg.target.model_copy(update={"insecure_tls": True})})
    cfg = external_load(cfg, opts.load_results, opts.load_tool, opts.load_command)
    if opts.engine is not None:
        if opts.engine not in ENGINES:
            raise PerfscoreError(f"unknown engine {opts.engine!r}; choose builtin or locust.")
        load = cfg.audit.load.model_copy(update={"engine": opts.engine})
        cfg = cfg.model_copy(update={"audit": cfg.audit.model_copy(update={"load": load})})
    if cfg.audit.load.engine == "locust":
        from perfscore.load.locust_engine import locust_command

        locust_command()  # installed? (exit 2 with the install line)
    return cfg


def from_this_host(cfg: Config, say: Callable[[str], None]) -> Config:
    """An audit without a config: the app's processes and logs as this machine's servers name them.

    Only when the target is here and something listens on its port. The app's pattern is the pool behind
    the target's port, or none at all (never every PHP-FPM pool of the machine); the database and cache
    are the servers listening on their ports, when those are on this machine too.
    """
    from urllib.parse import urlsplit

    from perfscore.config import ProcessesConfig
    from perfscore.discover import discover
    from perfscore.gatherers.memory import not_here
    from perfscore.host.listeners import is_this_machine

    if cfg.target.base_url is None or not_here(cfg) is not None:
        return cfg  # remote, or nothing listens: the process gatherers say why
    ports: dict[str, int] = {}
    if cfg.mysql is not None and is_this_machine(cfg.mysql.host):
        ports["mysql"] = cfg.mysql.port
    if cfg.redis is not None:
        parts = urlsplit(cfg.redis.url)
        if parts.hostname and is_this_machine(parts.hostname):
            ports["redis"] = parts.port or 6379
    found = discover(
        cfg.target.base_url,
        ports.get("mysql"),
        ports.get("redis"),
        mysql=cfg.mysql if "mysql" in ports else None,
        status_page=False,  # no request before the preflight: the sockets say, or nothing does
    )
    for note in found.notes:
        say(f"found on this host: {note}")
    processes = (cfg.processes or ProcessesConfig()).model_copy(
        update={"app": found.app or [], "database": found.database or [], "cache": found.cache or []}
    )
    update: dict[str, object] = {"processes": processes}
    if found.logs and not cfg.logs:
        update["logs"] = [Path(p) for p in found.logs]
    return cfg.model_copy(update=update)


def discovered_mix(cfg: Config, say: Callable[[str], None]) -> Config:
    """No config names the app's pages: crawl them (bounded, GET only) and load those instead of / alone."""
    from perfscore.config import discovered_endpoints, with_target_headers
    from perfscore.gatherers.crawl import crawl, summary
    from perfscore.routes import group

    assert cfg.target.base_url is not None
    seen = crawl(cfg.target.base_url, headers=cfg.target.request_headers(), user_agent=cfg.target.user_agent)
    grouping = group(seen.found)
    say(summary(seen, grouping))
    endpoints = discovered_endpoints(grouping)
    if not endpoints:
        return cfg
    say("mix: " + ", ".join(f"{e.path} x{e.weight:g}" for e in endpoints[:8]) + (" …" if len(endpoints) > 8 else ""))
    return cfg.model_copy(update={"endpoints": with_target_headers(endpoints, cfg.target)})


def preflight(cfg: Config, say: Callable[[str], None]) -> None:
    """Checks that fail every probe the same way, made once before the audit: refused Prometheus credentials
    (exit 2 now, not 45 unavailable metrics later), an untrusted certificate or the wrong scheme."""
    if cfg.prometheus is not None:
        from perfscore.gatherers.cluster import preflight as prometheus_preflight

        warning = prometheus_preflight(cfg)
        if warning:
            say(f"warning: {warning}")
    if cfg.target.base_url and cfg.audit.external_load is None:
        from perfscore.load.target import check_scheme, parse_url

        u = parse_url(cfg.target.base_url)
        check_scheme(
            u.host, u.port, u.host_header, u.tls, cfg.target.insecure_tls, headers=cfg.target.request_headers()
        )


def external_load(cfg: Config, results: Path | None, tool: str | None, command: str | None) -> Config:
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
