"""Run an audit: gatherers begin, nominal traffic for the window, gatherers end, the ramp; build the Run.

Each gatherer runs in its own daemon thread with a deadline, so one that
hangs (a server that accepts and never answers) costs its own artifact, not
the audit. The Run keeps every snapshot; its measurements are derived from
them by the audits, exactly as ``perfscore score`` will re-derive them later.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from perfscore.artifacts import ARTIFACT_NAMES, Artifacts
from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits import REGISTRY, derive
from perfscore.config import SECRET_HEADERS, Config, resolve_password
from perfscore.errors import ExitCode, PerfscoreError
from perfscore.gatherers import GATHERERS, GatherContext, Gatherer, ProbeUnavailable
from perfscore.run import ProbeReport, Run, TargetInfo
from perfscore.sanitize import clean, clean_tree, remember
from perfscore.session import ramp

Say = Callable[[str], None]
Progress = Callable[[int, int], None]
RAMP_TIMEOUT_FACTOR = 6  # the ramp may take this many probe timeouts
ABORT_GRACE_S = 2.0  # after a deadline, how long a gatherer's thread gets to notice its closed sockets


SIGNAL_SLICE_S = 0.2  # the main thread waits in slices this long: a signal another thread took is acted on


def _join(thread: threading.Thread, timeout: float) -> None:
    """``thread.join(timeout)`` in short slices. A process-directed signal (Ctrl-C, SIGTERM) may be delivered
    to any thread; CPython runs its handler in the main thread only when that thread next runs Python code,
    and a main thread blocked in one long join would not, for up to the whole timeout."""
    end = time.monotonic() + max(0.0, timeout)
    while thread.is_alive():
        left = end - time.monotonic()
        if left <= 0:
            return
        thread.join(min(SIGNAL_SLICE_S, left))


def _call(fn: Callable[[], Any], timeout: float, abort: Callable[[], None] | None = None) -> tuple[Any, str | None]:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except ProbeUnavailable as exc:
            box["error"] = _reason(str(exc))
        except PerfscoreError as exc:
            box["error"] = _reason(exc.message)
        except RecursionError:  # a JSON or RESP answer nested thousands deep
            box["error"] = "the server's answer is nested too deeply to read"
        except Exception as exc:  # a gatherer bug must not end the audit
            box["error"] = _reason(f"probe failed: {type(exc).__name__}: {str(exc)[:300]}")
            if os.environ.get("PERFSCORE_DEBUG"):
                traceback.print_exc()

    t = threading.Thread(target=target, daemon=True)
    t.start()
    try:
        _join(t, timeout)
    except BaseException:  # interrupted: the work stops too (the ramp starts no new step, reads end)
        if abort is not None:
            with contextlib.suppress(Exception):
                abort()
        raise
    if t.is_alive():
        if abort is not None:
            abort()  # stop its reads: the thread ends instead of reading on from a server that never stops
            _join(t, ABORT_GRACE_S)
        return None, f"timeout: no result within {timeout:g}s"
    return box.get("value"), box.get("error")


MAX_REASON = 400  # a server's 16 MiB error message is cut here, not copied into every metric it explains


def _reason(text: str) -> str:
    text = clean(text[: MAX_REASON * 4], oneline=True)
    return text if len(text) <= MAX_REASON else text[:MAX_REASON] + "…"


def _concurrently(
    calls: dict[str, Callable[[], Any]], timeout: float, aborts: dict[str, Callable[[], None]] | None = None
) -> dict[str, tuple[Any, str | None]]:
    results: dict[str, tuple[Any, str | None]] = {}
    threads = []
    for name, fn in calls.items():

        def run(n: str = name, f: Callable[[], Any] = fn) -> None:
            results[n] = _call(f, timeout, (aborts or {}).get(n))

        th = threading.Thread(target=run, daemon=True)
        th.start()
        threads.append(th)
    deadline = time.monotonic() + timeout + ABORT_GRACE_S + 1
    for th in threads:
        _join(th, deadline - time.monotonic())
    return {name: results.get(name, (None, f"timeout: no result within {timeout:g}s")) for name in calls}


def secrets_of(cfg: Config) -> list[str]:
    found = []
    for section, what in ((cfg.mysql, "mysql"), (cfg.redis, "redis"), (cfg.prometheus, "prometheus")):
        if section is not None:
            pw = resolve_password(section, cfg.base_dir, what, optional=what == "redis")
            if pw:
                found.append(pw)
    if cfg.prometheus is not None:
        from perfscore.gatherers.cluster import Prometheus

        # Its basic-auth token (base64 of user:password) and bearer token are secrets too.
        auth = Prometheus(cfg.prometheus, cfg).headers.get("Authorization", "")
        found += [auth.split(" ", 1)[1]] if " " in auth else []
    found += cfg.target.secrets()  # a session cookie or a bearer token: printed or saved nowhere
    for e in cfg.endpoints:
        for name, value in e.headers.items():
            if name.lower() in SECRET_HEADERS:
                found += [value, value.split(" ", 1)[-1], *(c.split("=", 1)[1] for c in value.split(";") if "=" in c)]
    found = [s.strip() for s in found if s.strip()]
    remember(found)  # from now on, nothing printed or written by this process carries them
    return found


def redact(run: Run, secrets: list[str]) -> Run:
    """Defence in depth: no secret and no control character survives in a saved run, whatever a server sent.

    Only text is cleaned (a password that happens to read like a number leaves the figures alone);
    the measurements are derived afterwards from the cleaned artifacts, so a re-score agrees.
    """
    return Run.model_validate(clean_tree(run.model_dump(mode="json"), secrets))


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


def nothing_reachable(run: Run) -> bool:
    """True when nothing of the target answered: no artifact but this machine's processes and the SLO (an
    idle Redis that answered INFO is reachable, even if it gives no figure to score)."""
    local = {g.name for g in GATHERERS if g.local}
    if run.artifacts is None:  # a run saved before artifacts: judge by its measurements
        return not any(m.status == "measured" and m.probe not in local for m in run.measurements)
    got = {name for name, snap in run.artifacts if snap is not None and name not in local and name != "slo"}
    if run.artifacts.window is not None and run.artifacts.window.load is None:
        got.discard("window")  # the window drove no traffic: it proves nothing reachable
    return not got


def _window_traffic(cfg: Config, say: Say, progress: Progress | None, counting: bool) -> WindowSnapshot:
    """The window: nominal traffic, or a wait between counter samples. ``counting``: some server's counters
    were sampled at the start; when none was and no traffic can be driven, there is nothing to wait for."""
    from perfscore.gatherers.host import HostMeter, app_is_here
    from perfscore.load.engine import run_load
    from perfscore.session.traffic import load_spec, preflight, redirect_loop

    window_s = cfg.audit.duration_s
    if not cfg.target.base_url or not cfg.endpoints:
        if counting:
            say(f"window: no HTTP target; waiting {window_s:g}s between counter samples")
            time.sleep(window_s)
        return WindowSnapshot(error="no base_url in the config (or --url flag)", skipped=True)
    try:
        preflight(cfg)
    except PerfscoreError as exc:
        if counting:
            say(f"window: no traffic ({exc.message}); waiting {window_s:g}s")
            time.sleep(window_s)
        else:
            say(f"window: no traffic ({exc.message}); no server answered either, so no wait")
        return WindowSnapshot(error=exc.message)
    for e in cfg.endpoints:
        loop = redirect_loop(cfg.target.base_url, e, cfg.target.user_agent)
        if loop:
            say(f"window: {e.label} {loop}: its 3xx count as errors")
    users, rate = cfg.audit.load.connections, cfg.audit.load.rate
    pace = f"{rate:g} requests/s over {users} connections" if rate else f"{users} users"
    say(f"window: {window_s:g}s of nominal traffic, {pace} over {len(cfg.endpoints)} endpoints")
    try:
        spec = load_spec(cfg, connections=users, duration_s=window_s, warmup_s=0.5, rate=rate)
        meter = HostMeter()
        started = app_is_here(cfg) and meter.start()  # another host's app: this CPU is not its CPU
        lc = cfg.audit.load
        if lc.engine == "locust":
            from perfscore.imports.locust import read
            from perfscore.load.locust_engine import run_locust

            load = run_locust(spec, read=read, workers=lc.locust_workers, remote_workers=lc.locust_remote, say=say)[0]
        else:
            load = run_load(spec, progress)
        return WindowSnapshot(load=load, host=meter.stop() if started else None)
    except (RuntimeError, ValueError) as exc:
        return WindowSnapshot(error=f"load engine failed: {exc}")
    except PerfscoreError as exc:  # the Locust cluster failed
        return WindowSnapshot(error=f"load engine failed: {exc.message}")


def _run_command(argv: list[str], timeout_s: float, say: Say) -> int:
    """Run the load command in its own process group, output to stderr; kill the whole group (a wrapper
    script's JVM too) on its timeout or when perfscore is interrupted. Its exit code."""
    import os
    import signal
    import subprocess
    import sys

    try:
        proc = subprocess.Popen(argv, stdout=sys.stderr, stdin=subprocess.DEVNULL, start_new_session=True)
    except FileNotFoundError:
        raise PerfscoreError(f"load command {argv[0]!r} not found.") from None
    except OSError as exc:
        raise PerfscoreError(f"load command {argv[0]!r} cannot run: {exc.strerror or exc}.") from None

    def kill() -> None:
        # The whole group, whatever its leader does: a wrapper script's JVM must not go on loading the target.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    try:
        code = proc.wait(timeout=timeout_s)
        with contextlib.suppress(ProcessLookupError):  # what it left running in the background stops with it
            os.killpg(proc.pid, signal.SIGKILL)
        return code
    except subprocess.TimeoutExpired:
        say(f"window: the load command ran past {timeout_s:g}s and was killed; reading what it wrote")
        kill()
        return proc.returncode if proc.returncode is not None else -9
    except BaseException:
        kill()
        raise


def _external_window(cfg: Config, say: Say, box: dict[str, Any]) -> WindowSnapshot:
    """The window's load came from another tool: run its command as the window (the gatherers sample the
    servers meanwhile), or wait the window beside a run that already ended; then read its results."""
    import shlex

    from perfscore.imports import guess_tool, read_results

    ext = cfg.audit.external_load
    assert ext is not None
    path = ext.results if ext.results.is_absolute() else cfg.base_dir / ext.results
    tool = ext.tool or guess_tool(path)
    late = None
    began = 0.0
    if ext.command:
        argv = shlex.split(ext.command)  # checked when the config or flag was read
        say(f"window: running the load command ({argv[0]}); the probes sample the servers meanwhile")
        began = time.time()
        code = _run_command(argv, ext.timeout_s, say)
        written = path if path.exists() or tool != "locust" else path.with_name(path.name + "_stats.csv")
        try:
            fresh = written.stat().st_mtime >= began - 1
        except OSError:
            fresh = True  # a missing file is the reader's to report
        if not fresh:
            raise PerfscoreError(
                f"the load command ({argv[0]}) exited {code} and did not write {path}: the file is from an "
                "earlier run, not this window.",
                ExitCode.UNREACHABLE,
            )
        if code:
            late = f"the load command exited {code}: its results may be partial"
    else:
        window_s = cfg.audit.duration_s
        say(f"window: load from {path.name} ({tool}, a run that already ended); waiting {window_s:g}s between samples")
        time.sleep(window_s)
        late = (
            "the servers' counters were sampled over perfscore's own window, not during this run "
            "(give audit.external_load.command, or --load-command, to sample while it loads)"
        )
    imp = read_results(tool, [path], since=began if ext.command else None)
    if late:
        imp = imp.model_copy(update={"load": imp.load.model_copy(update={"notes": [*imp.load.notes, late]})})
    box["imported"] = imp
    say(f"window: {imp.load.requests:,} requests from {imp.load.source} over {imp.load.duration_s:,.1f}s")
    return WindowSnapshot(load=imp.load, concurrent=bool(ext.command))


class _Session:
    """The bookkeeping of one audit: which artifact each gatherer or phase left, and how it went."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.snapshots: dict[str, Snapshot] = {}
        self.reports: dict[str, ProbeReport] = {}
        self.started: dict[str, float] = {}

    def skip(self, name: str, reason: str) -> None:
        self.reports[name] = ProbeReport(name=name, status="skipped", message=reason)
        self.say(f"{name}: skipped ({reason})")

    def outcome(self, name: str, value: Any, error: str | None) -> None:
        took = round(time.monotonic() - self.started.get(name, time.monotonic()), 3)
        if error or not isinstance(value, Snapshot):
            why = error or "gathered nothing"
            self.reports[name] = ProbeReport(name=name, status="unavailable", message=why, duration_s=took)
            self.say(f"{name}: unavailable: {why}")
            return
        self.snapshots[name] = value
        got = [spec.run(value) for spec in REGISTRY.values() if spec.reads == name and not spec.also]
        n_ok = sum(1 for m in got if m.status == "measured")
        first = next((m.reason for m in got if m.status == "unavailable" and m.reason), None)
        status = "ok" if n_ok == len(got) else ("partial" if n_ok else "unavailable")
        self.reports[name] = ProbeReport(name=name, status=status, duration_s=took, message=first)
        if got:
            self.say(f"{name}: {n_ok}/{len(got)} measured" + (f" ({first})" if first else ""))
        else:  # its metrics also need another artifact: they are derived at the end
            self.say(f"{name}: gathered")

    def gather(self, gatherers: list[Gatherer], timeout: float, window: Callable[[bool], WindowSnapshot]) -> None:
        try:
            self._gather(gatherers, timeout, window)
        except BaseException:  # interrupted (a signal): no statement of perfscore's runs on after it
            for g in gatherers:
                with contextlib.suppress(Exception):
                    g.abort()
            raise

    def _gather(self, gatherers: list[Gatherer], timeout: float, window: Callable[[bool], WindowSnapshot]) -> None:
        for g in gatherers:
            self.started[g.name] = time.monotonic()
        aborts = {g.name: g.abort for g in gatherers}
        # The counters' window holds the app's requests only: the probes that send requests of their own
        # begin before the counters are sampled, and end after they are sampled again.
        readers = [g for g in gatherers if g.reads_counters]
        others = [g for g in gatherers if not g.reads_counters]
        begun = _concurrently({g.name: g.begin for g in others}, timeout, aborts)
        begun |= _concurrently({g.name: g.begin for g in readers}, timeout, aborts)
        alive = [g for g in gatherers if not begun[g.name][1]]
        for g in gatherers:
            if begun[g.name][1]:
                self.outcome(g.name, None, begun[g.name][1])
        self.started["window"] = time.monotonic()
        win = window(any(g.counting() for g in alive))
        if win.skipped:
            self.skip("window", win.error or "no traffic")
        else:
            self.outcome("window", win, None)
        _concurrently({g.name: g.sample for g in alive if g.reads_counters}, timeout, aborts)
        ended = _concurrently({g.name: g.end for g in alive if not g.after_others}, timeout + 10, aborts)
        ended |= _concurrently({g.name: g.end for g in alive if g.after_others}, timeout + 10, aborts)
        for g in alive:
            self.outcome(g.name, *ended[g.name])

    def reports_in_order(self) -> list[ProbeReport]:
        order = {name: i for i, name in enumerate(ARTIFACT_NAMES)}
        return sorted(self.reports.values(), key=lambda r: order.get(r.name, len(order)))


def _gatherer(cls: type[Gatherer], ctx: GatherContext) -> Gatherer:
    """A gatherer, given what the host says about the target where it needs it (the exposure check: the
    web roots nginx serves the URL from, when the app runs here)."""
    if cls.name == "exposure" and ctx.config.target.base_url:
        from perfscore.session.hostview import web_roots

        return cls(ctx, web_roots=web_roots(ctx.config.target.base_url))  # type: ignore[call-arg]
    return cls(ctx)


def _capacity(snapshots: dict[str, Any], slo_error_rate: float) -> tuple[float | None, str]:
    """The capacity the audit measured, for the faults' steady traffic: the ramp's best valid step within its
    SLO, else the window's rate (what the app served its configured users: a lower bound)."""
    from perfscore.artifacts.ramp import RampSnapshot
    from perfscore.audits.scalability import meets_slo

    rmp = snapshots.get("ramp")
    if isinstance(rmp, RampSnapshot):
        good = [s for s in rmp.steps if s.rps > 0 and meets_slo(s, rmp.slo_p95_ms, rmp.slo_error_rate)]
        if good:
            best = max(good, key=lambda s: s.rps)
            return best.rps, f"the ramp's best step, {best.concurrency} users"
    win = snapshots.get("window")
    load = getattr(win, "load", None)
    if load is not None and load.rps > 0 and load.error_rate < slo_error_rate:
        return float(load.rps), "the window's rate"
    return None, ""


def run_audit(cfg: Config, say: Say, progress: Progress | None = None, faults: bool = False) -> Run:
    from perfscore.session import resilience

    secrets = secrets_of(cfg)  # resolves passwords now: a missing env var is a config error (exit 2)
    no_faults = resilience.not_configured(cfg, faults)
    if no_faults is None:
        resilience.check_allowed(cfg)  # refused before any traffic, not after the window
    started = datetime.now(UTC)
    t0 = time.monotonic()
    timeout = cfg.audit.probe_timeout_s
    ctx = GatherContext(config=cfg, base_dir=cfg.base_dir, window_s=cfg.audit.duration_s)
    session = _Session(say)
    active = []
    for cls in GATHERERS:
        g = _gatherer(cls, ctx)
        reason = g.not_configured()
        if reason:
            session.skip(g.name, reason)
        else:
            active.append(g)
    box: dict[str, Any] = {}
    if cfg.audit.external_load is not None:
        session.gather(active, timeout, lambda counting: _external_window(cfg, say, box))
    else:
        session.gather(active, timeout, lambda counting: _window_traffic(cfg, say, progress, counting))
    no_ramp = ramp.not_configured(cfg)
    if cfg.audit.external_load is not None:
        from perfscore.imports import ramp_of

        imp = box.get("imported")
        imported_ramp = ramp_of(imp, cfg.audit.load.slo_p95_ms, cfg.audit.load.slo_error_rate) if imp else None
        if imported_ramp is not None:
            session.outcome("ramp", imported_ramp, None)
        else:
            session.skip("ramp", "the load came from another tool, and its results hold fewer than two user levels")
    elif no_ramp:
        session.skip("ramp", no_ramp)
    else:
        steps = cfg.audit.load.ramp
        if cfg.audit.load.engine != "locust":  # the Locust shape says its own step length
            say(f"ramp: {len(set(steps))} steps of {cfg.audit.load.step_s:g}s, up to {max(steps):,} users")
        session.started["ramp"] = time.monotonic()
        halt = threading.Event()
        limit = timeout * RAMP_TIMEOUT_FACTOR
        if cfg.audit.load.engine == "locust":  # one fixed load shape: every step runs its full length
            limit = max(limit, len(set(steps)) * max(cfg.audit.load.step_s, ramp.LOCUST_STEP_S) + 60)
        session.outcome("ramp", *_call(lambda: ramp.run_ramp(cfg, say, halt), limit, halt.set))
    if no_faults:
        session.skip("resilience", no_faults)
    else:  # in this thread: SIGINT or SIGTERM reaches it, and every fault is undone on the way out
        session.started["resilience"] = time.monotonic()
        capacity, basis = _capacity(session.snapshots, cfg.slo.error_rate)
        session.outcome("resilience", resilience.run_faults(cfg, say, capacity, basis), None)
    run = Run(
        started_at=started,
        duration_s=round(time.monotonic() - t0, 3),
        target=target_info(cfg),
        probes=session.reports_in_order(),
        artifacts=Artifacts.model_validate({**session.snapshots, "slo": cfg.slo.snapshot()}),
    )
    run = redact(run, secrets)
    # Derived from the scrubbed artifacts, exactly as `perfscore score` will re-derive them.
    return run.model_copy(update={"measurements": derive(run)})
