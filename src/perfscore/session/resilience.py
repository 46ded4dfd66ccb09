"""The resilience phase (``audit --faults``): each configured fault under steady traffic, then the wait
for recovery. Records what the traffic saw second by second; ``perfscore.audits.resilience`` judges it.

Safety: nothing runs without both the config's ``audit.resilience`` and the ``--faults`` flag; a target
off this machine's loopback is refused unless ``allow_remote: true``; every fault is undone before the
phase returns — a paused process is continued and an ``undo`` command runs whatever happened (an error,
a timeout, SIGINT or SIGTERM), and a fault command that outruns its bound is killed with its group. A
signal stops the fault command (and a hold), never the undo: the undo runs to its end (or its own bound,
``UNDO_TIMEOUT_S``) and the signal is acted on after it. Both commands start with SIGINT, SIGTERM and
SIGHUP at their defaults, whatever perfscore does with them.

The marks of a fault, in seconds since it began: its command returned (``returned_s``), it was held in
place (``held_s``, the config's ``hold_s``), its undo began and ended (``undo_started_s``, ``undone_s``),
then the wait for recovery (``waited_s``); the audits read recovery from the seconds of traffic.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from perfscore.artifacts.resilience import MAX_SECONDS, FaultResult, ResilienceSnapshot, Second
from perfscore.config import Config, FaultConfig
from perfscore.errors import Interrupted, PerfscoreError
from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.http import fetch, join
from perfscore.sanitize import clean

Say = Callable[[str], None]
BEFORE_S = 2.0  # steady traffic before each fault: its seconds show the steady state it breaks
UNDO_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 5.0
DEFAULT_RATE = 20.0  # requests/s when no capacity was measured (no ramp, no window traffic)
MIN_RATE = 2.0  # fewer than two a second leaves too few requests per second to judge one steady
MAX_AUTO_RATE = 50.0  # a share of a large capacity stops here: recovery is no better told by more, and the
# traffic's pool (256 threads, one per request in flight) holds a hung app's 5 s timeouts at 50 requests/s


def not_configured(cfg: Config, flag: bool) -> str | None:
    res = cfg.audit.resilience
    if res is None:
        return "no faults configured (audit.resilience)" if not flag else "--faults, but the config names no fault"
    if not flag:
        return f"{len(res.faults)} faults configured: pass --faults to run them"
    if not cfg.target.base_url or not any(e.method == "GET" for e in cfg.endpoints):
        return "no GET endpoint to keep steady traffic on"
    return None


def check_allowed(cfg: Config) -> None:
    from perfscore.load.target import is_loopback

    res = cfg.audit.resilience
    host = urlsplit(cfg.target.base_url or "").hostname or ""
    if res is not None and not res.allow_remote and not is_loopback(host):
        raise PerfscoreError(
            f"{host} is not on this machine's loopback: faults run against a remote target only with "
            "audit.resilience.allow_remote: true"
        )


class Traffic:
    """Steady GETs over the config's GET endpoints at ``rate`` per second, each recorded by the second it
    was sent in (relative to ``zero``) with its outcome."""

    def __init__(self, cfg: Config, rate: float) -> None:
        self.cfg = cfg
        self.rate = rate
        self.eps = [e for e in cfg.endpoints if e.method == "GET"]
        self.zero = time.monotonic()
        self.lat: dict[int, list[float]] = defaultdict(list)
        self.sent: Counter[int] = Counter()
        self.failed: Counter[int] = Counter()
        self.by_endpoint: Counter[tuple[int, str]] = Counter()  # failures by (second sent, endpoint)
        self.pending: Counter[int] = Counter()  # sent in that second, not yet answered or timed out
        self.stop = threading.Event()
        self.lock = threading.Lock()
        # Enough threads for every request of a hung app to wait its timeout without delaying the next sends.
        self.pool = ThreadPoolExecutor(max_workers=min(256, int(rate * REQUEST_TIMEOUT_S) + 4))
        self.thread = threading.Thread(target=self._pace, daemon=True)

    def start(self, zero: float) -> None:
        self.zero = zero
        self.thread.start()

    def _pace(self) -> None:
        n = 0
        t0 = time.monotonic()
        while not self.stop.is_set():
            due = t0 + n / self.rate
            delay = due - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                break
            ep = self.eps[n % len(self.eps)]
            sec = int((due - self.zero) // 1)  # the second it was due in, however late it left
            with self.lock:
                self.sent[sec] += 1
                self.pending[sec] += 1
            url = join(self.cfg.target.base_url or "", ep.path)
            headers = {**self.cfg.target.request_headers(), **ep.headers}
            self.pool.submit(self._one, sec, due, ep.name, url, headers)
            n += 1

    def _one(self, sec: int, due: float, name: str, url: str, headers: dict[str, str]) -> None:
        """Timed from when the request was due, not from when a thread got to it: a request that waited for
        the pacer or for a free thread waited as a user would have (wrk2's correction of coordinated
        omission, as the load engine's open model does)."""
        ok = False
        try:
            r = fetch(url, headers=headers, user_agent=self.cfg.target.user_agent, timeout=REQUEST_TIMEOUT_S)
            ok = r.status < 400
        except ProbeUnavailable:
            ok = False
        took = (time.monotonic() - due) * 1000
        with self.lock:
            self.pending[sec] -= 1
            if ok:
                self.lat[sec].append(took)
            else:
                self.failed[sec] += 1
                if sec >= 0:
                    self.by_endpoint[sec, name] += 1

    def steady_for(self, seconds: int, after: int, p95_ms: float, error_rate: float) -> bool:
        """Whether the last ``seconds`` complete seconds (over, every request answered), all after ``after``,
        were steady."""
        with self.lock:
            current = int((time.monotonic() - self.zero) // 1)
            done = [t for t in sorted(self.sent) if after < t < current and self.pending[t] <= 0]
            last = done[-seconds:]
            if len(last) < seconds or last[0] + seconds - 1 != last[-1]:
                return False
            return all(_steady(self._second(t), p95_ms, error_rate) for t in last)

    def _second(self, t: int) -> Second:
        lat = sorted(self.lat.get(t, []))
        p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))] if lat else None
        return Second(t=t, requests=self.sent.get(t, 0), errors=self.failed.get(t, 0), p95_ms=p95)

    def finish(self) -> tuple[list[Second], dict[str, int]]:
        """The complete seconds only (over when the traffic stopped, every request answered): the second in
        progress at the stop, or one whose requests were cancelled, is not judged. steady_for decided on
        complete seconds; a second judged later on a part of its requests could contradict it."""
        self.stop.set()
        if self.thread.ident is not None:
            self.thread.join(5)
        stopped = int((time.monotonic() - self.zero) // 1)
        self.pool.shutdown(wait=True, cancel_futures=True)
        with self.lock:
            ts = [t for t in sorted(self.sent) if t < stopped and self.pending[t] <= 0][-MAX_SECONDS:]
            kept = set(ts)
            by_endpoint: Counter[str] = Counter()
            for (t, name), n in self.by_endpoint.items():
                if t in kept:
                    by_endpoint[name] += n
            return [self._second(t) for t in ts], dict(by_endpoint)


def _steady(sec: Second, p95_ms: float, error_rate: float) -> bool:
    return sec.errors / max(sec.requests, 1) <= error_rate and (sec.p95_ms is None or sec.p95_ms <= p95_ms)


def _matching(pattern: str) -> list[int]:
    import psutil

    rx = re.compile(pattern)
    mine = {os.getpid(), *(p.pid for p in psutil.Process().parents())}
    found = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(p.info.get("cmdline") or [])
        if p.info["pid"] not in mine and cmd and rx.search(cmd):
            found.append(p.info["pid"])
    return found


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _drop(signum: int, frame: object) -> None:
    """A signal that was ignored, caught for the instant of a fork: still ignored."""


def _start(command: str) -> subprocess.Popen[bytes]:
    """Start a fault's command or undo: no shell, its own session and process group (a Ctrl-C at the
    terminal reaches perfscore, not it), output to stderr, and SIGINT, SIGTERM and SIGHUP at their
    defaults. exec resets a caught signal to its default but keeps an ignored one ignored, and the CLI
    ignores all three once the first arrived, while it cleans up: a daemon an undo restarts would then
    ignore its own SIGTERM for good. So any of them ignored here is caught (and dropped, as it would have
    been) for the instant of the fork."""
    argv = shlex.split(command)
    swapped: dict[signal.Signals, Any] = {}
    if _in_main_thread():
        for sig in SIGNALS:
            if signal.getsignal(sig) == signal.SIG_IGN:
                swapped[sig] = signal.signal(sig, _drop)
    try:
        return subprocess.Popen(argv, stdout=sys.stderr, stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        for sig, handler in swapped.items():
            signal.signal(sig, handler)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _run_bounded(command: str, bound_s: float) -> tuple[int | None, bool]:
    """Run a command (see ``_start``); kill its group at its bound, or when perfscore is interrupted while
    it runs (SIGINT, SIGTERM: the fault command stops there, and its undo runs)."""
    proc = _start(command)
    try:
        return proc.wait(timeout=bound_s), False
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return None, True
    except BaseException:
        _kill_group(proc)
        raise


@contextlib.contextmanager
def _signals_held() -> Iterator[list[int]]:
    """SIGINT, SIGTERM and SIGHUP noted, not acted on, while the block runs (an undo: killed half-way, it
    would leave the fault in place); then acted on as the handler they found would have: the CLI's
    raises ``Interrupted`` (exit 130, 143), Python's default a KeyboardInterrupt. One ignored before stays
    ignored. Signals reach Python's handlers in the main thread only: elsewhere there is nothing to hold."""
    got: list[int] = []
    if not _in_main_thread():
        yield got
        return
    previous: dict[signal.Signals, Any] = {}
    try:
        for sig in SIGNALS:
            previous[sig] = signal.signal(sig, lambda signum, frame: got.append(signum))
        yield got
    finally:
        for sig, handler in previous.items():
            if handler is not None:  # None: a handler not set from Python, which cannot be set back
                signal.signal(sig, handler)
        if got:
            _act_on(got[0], previous.get(signal.Signals(got[0])))


def _act_on(signum: int, handler: Any) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)


def _undo(f: FaultConfig, paused: list[int], notes: list[str], marks: dict[str, float], t0: float) -> None:
    """Continue what was paused and run the undo command, whatever signal arrives meanwhile: it runs to its
    end (or its own bound), and the signal is acted on after it. A signal in the instant before the hold
    was set up (the fault's own end) is raised after the undo all the same."""
    late: BaseException | None = None
    while "undone" not in marks:  # again only when a signal came before the hold (the next finds it set)
        try:
            with _signals_held():
                if "undo_started" not in marks:
                    marks["undo_started"] = time.monotonic() - t0
                if paused:
                    _signal(paused, signal.SIGCONT)
                if f.undo:
                    try:
                        code, cut = _run_bounded(f.undo, UNDO_TIMEOUT_S)
                        if cut or code:
                            notes.append(
                                f"the undo command was cut at its {UNDO_TIMEOUT_S:g} s bound"
                                if cut
                                else f"the undo command exited {code}"
                            )
                    except OSError as exc:
                        notes.append(f"the undo command could not run: {exc.strerror or exc}")
                marks["undone"] = time.monotonic() - t0
        except (Interrupted, KeyboardInterrupt) as exc:
            if "undone" in marks:
                raise
            late = exc
    if late is not None:
        raise late


@contextlib.contextmanager
def _undone(f: FaultConfig, notes: list[str], marks: dict[str, float], t0: float) -> Iterator[list[int]]:
    """The fault's undo, whatever happens inside: continue what was paused, run the undo command."""
    paused: list[int] = []
    try:
        yield paused
    finally:
        _undo(f, paused, notes, marks, t0)


def _inject(
    f: FaultConfig, paused: list[int], notes: list[str], marks: dict[str, float], t0: float
) -> tuple[bool, int | None]:
    """Put the fault in place and hold it there (a command: ``hold_s`` after it returned; a pause: its
    duration); (cut at its bound, processes matched)."""
    if f.command:
        code, cut = _run_bounded(f.command, f.duration_s)
        marks["returned"] = time.monotonic() - t0
        if code:
            notes.append(f"the fault command exited {code}")
        if f.hold_s:
            time.sleep(f.hold_s)  # the fault stays in place, the traffic goes on; a signal here: undone
        return cut, None
    pattern = f.pause or f.kill or ""
    pids = _matching(pattern)
    if not pids:
        raise PerfscoreError(f"no process matches {pattern!r}")
    if f.kill:
        _signal(pids[: f.count], signal.SIGKILL)
        marks["returned"] = time.monotonic() - t0
        return False, len(pids)
    paused.extend(pids)
    _signal(pids, signal.SIGSTOP)
    marks["returned"] = time.monotonic() - t0
    time.sleep(f.duration_s)
    return False, len(pids)


def _one_fault(cfg: Config, f: FaultConfig, say: Say, rate: float) -> FaultResult:
    res = cfg.audit.resilience
    assert res is not None
    slo = cfg.slo
    kind = "command" if f.command else "pause" if f.pause else "kill"
    traffic = Traffic(cfg, rate)
    t0 = time.monotonic() + BEFORE_S
    started_at = time.time() + BEFORE_S
    traffic.start(t0)
    notes: list[str] = []
    marks: dict[str, float] = {}
    cut, matched, error = False, None, None
    try:
        time.sleep(BEFORE_S)
        held = f", held {f.hold_s:g}s" if f.hold_s else ""
        say(f"faults: {f.name}: {kind} for up to {f.duration_s:g}s{held} under {rate:g} requests/s")
        with _undone(f, notes, marks, t0) as paused:
            try:
                cut, matched = _inject(f, paused, notes, marks, t0)
            except (PerfscoreError, OSError, ValueError) as exc:
                error = exc.message if isinstance(exc, PerfscoreError) else str(exc)
        fault_s = time.monotonic() - t0
        after = int(fault_s)
        deadline = time.monotonic() + res.recover_within_s
        while time.monotonic() < deadline and not error:
            if traffic.steady_for(res.steady_s, after, slo.p95_ms, slo.error_rate):
                break
            time.sleep(0.25)
        waited = max(0.0, time.monotonic() - t0 - fault_s)
    finally:
        seconds, by_endpoint = traffic.finish()
    if cut:
        notes.append(f"the fault command outran its {f.duration_s:g} s bound and was killed")
    return FaultResult(
        name=f.name,
        kind=kind,
        degrades=f.degrades,
        started_at=round(started_at, 3),
        returned_s=_mark(marks, "returned"),
        held_s=(
            round(marks["undo_started"] - marks["returned"], 3) if {"returned", "undo_started"} <= set(marks) else None
        ),
        undo_started_s=_mark(marks, "undo_started"),
        undone_s=_mark(marks, "undone"),
        fault_s=round(fault_s, 3),
        cut=cut,
        waited_s=round(waited, 3),
        steady_s=res.steady_s,
        seconds=seconds,
        errors_by_endpoint=by_endpoint,
        processes=matched,
        notes=notes,
        error=error,
    )


def _mark(marks: dict[str, float], name: str) -> float | None:
    return round(marks[name], 3) if name in marks else None


def steady_rate(cfg: Config, capacity: float | None, basis: str) -> tuple[float, str]:
    """The steady traffic's requests/s and where it comes from: the config's ``rate``, else ``capacity_share``
    of the capacity the audit measured (``basis`` says where), between MIN_RATE and MAX_AUTO_RATE; without
    a measured capacity, DEFAULT_RATE."""
    res = cfg.audit.resilience
    assert res is not None
    if res.rate is not None:
        return res.rate, f"{res.rate:g} requests/s, set in the config (audit.resilience.rate)"
    if not capacity:
        return DEFAULT_RATE, f"{DEFAULT_RATE:g} requests/s: no capacity measured to take a share of"
    want = res.capacity_share * capacity
    rate = round(min(MAX_AUTO_RATE, max(MIN_RATE, want)), 1)
    capped = f", capped at {MAX_AUTO_RATE:g}" if want > MAX_AUTO_RATE else ""
    return rate, f"{res.capacity_share:.0%} of {capacity:,.1f} requests/s ({basis}){capped}"


def run_faults(cfg: Config, say: Say, capacity: float | None = None, basis: str = "") -> ResilienceSnapshot:
    res = cfg.audit.resilience
    assert res is not None
    check_allowed(cfg)
    rate, rate_basis = steady_rate(cfg, capacity, basis)
    say(f"faults: steady traffic at {rate_basis}")
    results = []
    for f in res.faults:
        r = _one_fault(cfg, f, say, rate)
        undo = next((n for n in r.notes if n.startswith("the undo command")), None)
        if undo:  # the fault may still be in place: said whatever -q says (on standard error)
            sys.stderr.write(
                f"perfscore: warning: fault {clean(f.name, oneline=True)}: {undo}: it may still be in place\n"
            )
        say("faults: " + (f"{f.name}: did not run ({r.error})" if r.error else f"{f.name}: done"))
        results.append(r)
    return ResilienceSnapshot(
        rate=rate,
        rate_basis=rate_basis,
        slo_p95_ms=cfg.slo.p95_ms,
        slo_error_rate=cfg.slo.error_rate,
        faults=results,
    )
