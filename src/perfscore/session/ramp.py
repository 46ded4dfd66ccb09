"""The scalability ramp, a phase of the audit session after the window: stepped concurrency until the SLO breaks.

Each step is a closed-model run; the ramp stops after two steps in a row
break the SLO (or a step fails more than half its requests). The audits in
``perfscore.audits.scalability`` judge the steps.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from perfscore.artifacts.ramp import RampSnapshot, RampStep
from perfscore.audits.scalability import meets_slo
from perfscore.config import Config
from perfscore.errors import PerfscoreError
from perfscore.gatherers.base import GatherContext, ProbeUnavailable
from perfscore.gatherers.host import HostMeter, app_is_here
from perfscore.gatherers.mysql import MySQLGatherer
from perfscore.session.traffic import load_spec, preflight

if TYPE_CHECKING:
    from perfscore.artifacts.window import HostUsage
    from perfscore.loadmodel import LoadResult

STOP_AFTER_BROKEN = 2
STOP_ERROR_RATE = 0.5


def not_configured(cfg: Config) -> str | None:
    if not cfg.target.base_url:
        return "no base_url in the config (or --url flag)"
    if not cfg.audit.load.scalability:
        return "the scalability ramp is off (audit.load.scalability: false, or --no-ramp)"
    return None


def run_ramp(
    cfg: Config, say: Callable[[str], None] | None = None, stop: threading.Event | None = None
) -> RampSnapshot:
    """The ramp; ``say`` gets a line per step (a CI log is not silent for the ramp's half-minute)."""
    from perfscore.load.engine import run_load

    try:
        preflight(cfg)
    except PerfscoreError as exc:
        raise ProbeUnavailable(exc.message) from None
    load = cfg.audit.load
    snap = RampSnapshot(slo_p95_ms=load.slo_p95_ms, slo_error_rate=load.slo_error_rate)
    if load.engine == "locust":
        return snap.model_copy(update={"steps": _locust_steps(cfg, say)})
    db = MySQLGatherer(GatherContext(config=cfg, base_dir=cfg.base_dir, window_s=0.0)) if cfg.mysql else None
    try:
        steps = _steps(cfg, snap, db, run_load, metered=app_is_here(cfg), say=say, stop=stop)
    finally:
        if db is not None:
            db.close()
    return snap.model_copy(update={"steps": steps})


LOCUST_STEP_S = 15.0  # Locust's current percentiles cover its last ~10 s: a step's p95 needs rows 12 s into it


def _locust_steps(cfg: Config, say: Callable[[str], None] | None) -> list[RampStep]:
    """The ramp as one Locust run with a load shape (every step, no early stop: the shape is fixed)."""
    from perfscore.imports.locust import read
    from perfscore.load.locust_engine import run_locust

    load = cfg.audit.load
    levels = sorted(set(load.ramp))
    step_s = max(load.step_s, LOCUST_STEP_S)
    if say is not None:
        say(f"ramp: a Locust load shape of {len(levels)} steps of {step_s:g}s")
    spec = load_spec(cfg, connections=max(levels), duration_s=step_s)
    try:
        _, steps = run_locust(
            spec,
            read=read,
            workers=load.locust_workers,
            remote_workers=load.locust_remote,
            steps=[(c, step_s) for c in levels],
            say=say,
        )
    except PerfscoreError as exc:
        raise ProbeUnavailable(f"Locust: {exc.message}") from None
    return steps


LATE_SHARE = 0.05  # past this share of a step's requests cut off slower than every answer, its p95 is bounded


def ramp_step(
    concurrency: int, r: LoadResult, *, warmup_s: float, db_queries: int | None = None, host: HostUsage | None = None
) -> RampStep:
    """One step's figures from its load run. Requests in flight when the step ended, the app still answering,
    are the generator's cut-off: left out of the error rate and the throughput, counted apart (``abandoned``).
    Their waits still bound the step's latency: when over 5 % of its requests had waited longer than every
    answer served when the step ended, its p95 is at least the slowest answer (a hung endpoint's requests,
    never answered within a step, must not leave the fast ones' p95 behind)."""
    p95 = r.latency_ms.p95 if r.latency_ms else None
    if r.latency_ms and r.abandoned_late > LATE_SHARE * (r.requests + r.abandoned_late):
        p95 = max(p95 or 0.0, r.latency_ms.max)
    return RampStep(
        concurrency=concurrency,
        rps=r.rps,
        p95_ms=p95,
        error_rate=round(r.error_rate, 6),
        abandoned=r.abandoned,
        valid=r.valid,
        generator_saturated=r.generator is not None and r.generator.saturated,
        local_errors=r.local_errors,
        wall_s=round(warmup_s + r.duration_s, 3),  # the counter also saw the warm-up; start-up sends nothing
        db_queries=db_queries,
        host_busy=host.busy_share if host else None,
        perfscore_busy=host.own_share if host else None,
        requests=r.requests,
        errors=r.errors,
        warmup_requests=r.warmup_requests,
        connect_errors=r.connect_errors,
    )


def _steps(
    cfg: Config,
    snap: RampSnapshot,
    db: MySQLGatherer | None,
    run_load: Any,
    *,
    metered: bool,
    say: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> list[RampStep]:
    load = cfg.audit.load
    steps: list[RampStep] = []
    levels = sorted(set(load.ramp))
    started = time.monotonic()
    broken = 0
    for n, c in enumerate(levels, 1):
        if stop is not None and stop.is_set():  # the ramp overran its deadline: no new step starts
            break
        spec = load_spec(cfg, connections=c, duration_s=load.step_s, warmup_s=min(0.5, load.step_s))
        q0 = db.questions() if db else None
        meter = HostMeter()
        metering = metered and meter.start()  # this machine's CPU says something only of an app running here
        try:
            r = run_load(spec)
        except RuntimeError as exc:
            raise ProbeUnavailable(str(exc)) from None
        host = meter.stop() if metering else None
        q1 = db.questions() if db and q0 is not None else None
        queries = q1 - q0 if q0 is not None and q1 is not None and q1 >= q0 else None
        step = ramp_step(c, r, warmup_s=spec.warmup_s, db_queries=queries, host=host)
        steps.append(step)
        ok = meets_slo(step, snap.slo_p95_ms, snap.slo_error_rate)
        broken = 0 if ok else broken + 1
        if say is not None:
            p95 = f"p95 {step.p95_ms:,.1f} ms" if step.p95_ms is not None else "no successful response"
            left = (len(levels) - n) * (time.monotonic() - started) / n  # steps to go, at the pace so far
            cut = f", {step.abandoned:,} cut off at the step's end" if step.abandoned else ""
            say(
                f"ramp: step {n}/{len(levels)}, {c:,} user{'s' if c > 1 else ''}: {step.rps:,.0f} req/s, {p95}, "
                f"errors {step.error_rate:.2%}{cut}{'' if ok else ', breaks the SLO'} (at most ~{left:.0f}s left)"
            )
        if broken >= STOP_AFTER_BROKEN or r.error_rate > STOP_ERROR_RATE:
            break
    return steps
