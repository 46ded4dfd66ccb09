"""Run an audit: probes begin, nominal traffic for the window, probes end, the ramp; build the Run.

Each probe runs in its own daemon thread with a deadline, so one probe that
hangs (a server that accepts and never answers) costs its own metrics, not
the audit.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from perfscore.config import Config, resolve_password
from perfscore.errors import PerfscoreError
from perfscore.probes import PROBES, AuditContext, Probe, ProbeUnavailable
from perfscore.run import Measurement, ProbeReport, Run, TargetInfo

Say = Callable[[str], None]
REDACTED = "***"


def _call(fn: Callable[[], Any], timeout: float) -> tuple[Any, str | None]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except ProbeUnavailable as exc:
            box["error"] = str(exc)
        except PerfscoreError as exc:
            box["error"] = exc.message
        except Exception as exc:  # a probe bug must not end the audit
            box["error"] = f"probe failed: {type(exc).__name__}: {str(exc)[:300]}"
            if os.environ.get("PERFSCORE_DEBUG"):
                traceback.print_exc()

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        return None, f"timeout: no result within {timeout:g}s"
    return box.get("value"), box.get("error")


def _concurrently(calls: dict[Probe, Callable[[], Any]], timeout: float) -> dict[Probe, tuple[Any, str | None]]:
    results: dict[Probe, tuple[Any, str | None]] = {}
    threads = []
    for probe, fn in calls.items():

        def run(p: Probe = probe, f: Callable[[], Any] = fn) -> None:
            results[p] = _call(f, timeout)

        th = threading.Thread(target=run, daemon=True)
        th.start()
        threads.append(th)
    deadline = time.monotonic() + timeout + 1
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()))
    for probe in calls:
        results.setdefault(probe, (None, f"timeout: no result within {timeout:g}s"))
    return results


def secrets_of(cfg: Config) -> list[str]:
    found = []
    for section, what in ((cfg.mysql, "mysql"), (cfg.redis, "redis")):
        if section is not None:
            pw = resolve_password(section, cfg.base_dir, what)
            if pw:
                found.append(pw)
    return found


def redact(run: Run, secrets: list[str]) -> Run:
    """Defence in depth: no secret survives in a saved run, whatever a server echoed back."""
    text = run.model_dump_json()
    for s in sorted(secrets, key=len, reverse=True):
        if len(s) >= 3:
            text = text.replace(json.dumps(s)[1:-1], REDACTED)
    return Run.model_validate_json(text)


def target_info(cfg: Config) -> TargetInfo:
    hosts: dict[str, str] = {}
    if cfg.mysql:
        hosts["mysql"] = f"{cfg.mysql.host}:{cfg.mysql.port}"
    if cfg.redis:
        p = urlsplit(cfg.redis.url)
        hosts["redis"] = f"{p.hostname}:{p.port or 6379}"
    base = cfg.target.base_url
    if base:
        p = urlsplit(base)
        base = f"{p.scheme}://{p.hostname}{':' + str(p.port) if p.port else ''}{p.path}"
    return TargetInfo(name=cfg.target.name, base_url=base, hosts=hosts)


def _window_traffic(ctx: AuditContext, say: Say, progress: Callable[[int, int], None] | None) -> None:
    from perfscore.audit.traffic import load_spec, preflight
    from perfscore.load.engine import run_load

    cfg = ctx.config
    if not cfg.target.base_url or not cfg.endpoints:
        say(f"window: no HTTP target; waiting {ctx.window_s:g}s between counter samples")
        ctx.window_error = "no base_url configured"
        time.sleep(ctx.window_s)
        return
    try:
        preflight(cfg)
    except PerfscoreError as exc:
        ctx.window_error = exc.message
        say(f"window: no traffic ({exc.message}); waiting {ctx.window_s:g}s")
        time.sleep(ctx.window_s)
        return
    users = cfg.audit.load.connections
    say(f"window: {ctx.window_s:g}s of nominal traffic, {users} users over {len(cfg.endpoints)} endpoints")
    try:
        ctx.window_load = run_load(load_spec(cfg, connections=users, duration_s=ctx.window_s, warmup_s=0.5), progress)
    except (RuntimeError, ValueError) as exc:
        ctx.window_error = f"load engine failed: {exc}"


def run_audit(cfg: Config, say: Say, progress: Callable[[int, int], None] | None = None) -> Run:
    secrets = secrets_of(cfg)  # resolves passwords now: a missing env var is a config error (exit 2)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    ctx = AuditContext(config=cfg, base_dir=cfg.base_dir, window_s=cfg.audit.duration_s)
    timeout = cfg.audit.probe_timeout_s
    measurements: list[Measurement] = []
    reports: dict[str, ProbeReport] = {}
    active: list[Probe] = []
    for cls in PROBES:
        probe = cls(ctx)
        reason = probe.not_configured()
        if reason:
            measurements += probe.all_unavailable(f"not measured: {reason}")
            reports[probe.name] = ProbeReport(name=probe.name, status="skipped", message=reason)
            say(f"{probe.name}: skipped ({reason})")
        else:
            active.append(probe)

    started_at: dict[str, float] = {}

    def fail(probe: Probe, why: str) -> None:
        nonlocal measurements
        measurements += probe.all_unavailable(why)
        reports[probe.name] = ProbeReport(
            name=probe.name,
            status="unavailable",
            message=why,
            duration_s=round(time.monotonic() - started_at.get(probe.name, t0), 3),
        )
        say(f"{probe.name}: unavailable: {why}")

    around = [p for p in active if not p.after_window]
    for p in around:
        started_at[p.name] = time.monotonic()
    begun = _concurrently({p: p.begin for p in around}, timeout)
    alive = []
    for p in around:
        err = begun[p][1]
        if err:
            fail(p, err)
        else:
            alive.append(p)

    _window_traffic(ctx, say, progress)

    ended = _concurrently({p: p.end for p in alive}, timeout + 10)
    after = [p for p in active if p.after_window]
    for p in alive:
        _collect(p, ended[p], measurements, reports, fail, started_at, say)
    for p in after:
        started_at[p.name] = time.monotonic()
        say(f"{p.name}: running")
        _collect(p, _call(p.end, timeout * 6), measurements, reports, fail, started_at, say)

    run = Run(
        started_at=started,
        duration_s=round(time.monotonic() - t0, 3),
        target=target_info(cfg),
        probes=[reports[c.name] for c in PROBES if c.name in reports],
        measurements=measurements,
    )
    return redact(run, secrets)


def _collect(
    p: Probe,
    result: tuple[Any, str | None],
    measurements: list[Measurement],
    reports: dict[str, ProbeReport],
    fail: Callable[[Probe, str], None],
    started_at: dict[str, float],
    say: Say,
) -> None:
    value, err = result
    if err:
        fail(p, err)
        return
    got: list[Measurement] = value or []
    seen = {m.metric for m in got}
    missing = [m for m in p.metrics if m not in seen]
    got += [m for m in p.all_unavailable("the probe did not report it") if m.metric in missing]
    measurements += got
    n_ok = sum(1 for m in got if m.status == "measured")
    status = "ok" if n_ok == len(got) else ("partial" if n_ok else "unavailable")
    first_reason = next((m.reason for m in got if m.status == "unavailable" and m.reason), None)
    reports[p.name] = ProbeReport(
        name=p.name,
        status=status,  # type: ignore[arg-type]
        duration_s=round(time.monotonic() - started_at.get(p.name, 0.0), 3),
        message=first_reason,
    )
    say(f"{p.name}: {n_ok}/{len(got)} measured" + (f" ({first_reason})" if first_reason else ""))
