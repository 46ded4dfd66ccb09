"""The load engine: split a LoadSpec over generator processes, run them, merge the results."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from perfscore.errors import Interrupted
from perfscore.load.hdr import new_histogram, percentiles
from perfscore.load.worker import run_worker
from perfscore.loadmodel import EndpointResult, GeneratorHealth, LoadResult, LoadSpec

# A generator process above this share of one core is itself the bottleneck:
# its latencies are its own, not the target's.
SATURATED_CPU = 0.90
# Timers firing this late mean the event loop could not keep its schedule.
SATURATED_LAG_US = 20_000

Progress = Callable[[int, int], None]


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# The parent, interrupted, sends this to its generator processes: each ends its run as at its deadline
# and reports what it measured, for the summary of what ran.
STOP_SIGNAL = signal.SIGUSR1
STOP_GRACE_S = 5.0  # how long an interrupted run waits for its generators' results


def _child(spec_json: str, conns: int, rate: float | None, seed: int, out: Any, wid: int) -> None:
    # Ctrl-C reaches the whole process group: the parent decides, and ends the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    spec = LoadSpec.model_validate_json(spec_json)

    def progress(done: int, errors: int) -> None:
        out.put(("progress", wid, done, errors))

    try:
        out.put(("result", wid, run_worker(spec, conns, rate, seed, progress, stop_signal=STOP_SIGNAL)))
    except BaseException as exc:  # report, never hang the parent
        out.put(("error", wid, f"{type(exc).__name__}: {exc}"))


DISTRIBUTION = (50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 99.999, 100.0)


def _distribution(h: Any) -> list[tuple[float, float]]:
    """wrk2's --latency percentiles, p50 to p100, in ms."""
    if h.get_total_count() == 0:
        return []
    return [(p, round(h.get_value_at_percentile(p) / 1000.0, 3)) for p in DISTRIBUTION]


def _buckets(h: Any) -> list[tuple[float, float, int]]:
    """HdrHistogram's percentile distribution (one tick per half distance): value ms, percentile, count."""
    if h.get_total_count() == 0:
        return []
    return [
        (round(i.value_iterated_to / 1000.0, 3), round(i.percentile_level_iterated_to, 5), i.total_count_to_this_value)
        for i in h.get_percentile_iterator(1)
    ]


def merge(spec: LoadSpec, parts: list[dict[str, Any]]) -> LoadResult:
    from hdrh.histogram import HdrHistogram

    labels = [e.label for e in spec.endpoints]
    overall, overall_err = new_histogram(), new_histogram()
    per: dict[str, Any] = {label: new_histogram() for label in labels}
    per_err: dict[str, Any] = {label: new_histogram() for label in labels}
    status: dict[str, Counter[int]] = {label: Counter() for label in labels}
    errors: Counter[str] = Counter()
    totals = Counter[str]()
    cpu_max = 0.0
    lag = 0
    measured = 0.0
    for p in parts:
        for (per_h, total), key in (((per, overall), "hists"), ((per_err, overall_err), "err_hists")):
            for label, enc in zip(labels, p[key], strict=True):
                h = HdrHistogram.decode(enc)
                per_h[label].add(h)
                total.add(h)
        for label, counts in p["status"].items():
            status[label].update({int(k): v for k, v in counts.items()})
        errors.update(p["errors"])
        for k in (
            "timeouts",
            "resets",
            "connect_errors",
            "protocol_errors",
            "dropped",
            "local_errors",
            "unfinished",
            "abandoned",
            "abandoned_late",
            "warmup",
            "bytes_read",
        ):
            totals[k] += p.get(k, 0)
        cpu_max = max(cpu_max, p["cpu_s"] / p["wall_s"] if p["wall_s"] > 0 else 0.0)
        lag = max(lag, p["lag_p99_us"])
        measured = max(measured, p["measured_s"])
    responses = overall.get_total_count() + overall_err.get_total_count()
    failures = totals["timeouts"] + totals["resets"] + totals["protocol_errors"] + totals["connect_errors"]
    attempts = responses + failures
    n_errors = sum(errors.values())
    saturated = cpu_max >= SATURATED_CPU or lag >= SATURATED_LAG_US
    notes = []
    if saturated:
        notes.append(
            f"the load generator saturated (CPU {cpu_max:.0%} of a core, timer lag p99 {lag / 1000:.1f} ms): "
            "figures may be limited by the generator, not the target"
        )
    if totals["local_errors"]:
        notes.append(
            f"{totals['local_errors']} connects failed on this machine (out of file descriptors or ports: "
            "raise 'ulimit -n' or use fewer connections): the generator's fault, not the target's; the run is invalid"
        )
    if totals["unfinished"]:
        notes.append(
            f"{totals['unfinished']} requests were still waiting at the deadline, past the request timeout or after "
            "the server had stopped answering: counted as timeouts"
        )
    if totals["abandoned"]:
        notes.append(
            f"{totals['abandoned']} requests were in flight when the run ended, the server still answering: cut off "
            "by the run's end, left out (neither successes nor errors)"
        )
    if totals["dropped"]:
        notes.append(f"{totals['dropped']} arrivals dropped: the target fell behind the arrival rate")
    all_status: Counter[int] = Counter()
    for c in status.values():
        all_status.update(c)
    endpoints = {
        label: EndpointResult(
            requests=per[label].get_total_count() + per_err[label].get_total_count(),
            errors=errors.get(label, 0),
            latency_ms=percentiles(per[label]),
            error_latency_ms=percentiles(per_err[label]),
            status_counts={str(k): v for k, v in sorted(status[label].items())},
        )
        for label in labels
    }
    duration = measured or spec.duration_s
    return LoadResult(
        target=f"{spec.host}:{spec.port}",
        model="open" if spec.rate else "closed",
        connections=spec.connections,
        rate=spec.rate,
        duration_s=round(duration, 3),
        requests=attempts,
        errors=n_errors,
        error_rate=(n_errors / attempts) if attempts else 1.0,
        rps=round(responses / duration, 1) if duration > 0 else 0.0,
        latency_ms=percentiles(overall),
        error_latency_ms=percentiles(overall_err),
        status_counts={str(k): v for k, v in sorted(all_status.items())},
        timeouts=totals["timeouts"],
        connect_errors=totals["connect_errors"],
        resets=totals["resets"],
        dropped=totals["dropped"],
        local_errors=totals["local_errors"],
        unfinished=totals["unfinished"],
        abandoned=totals["abandoned"],
        abandoned_late=totals["abandoned_late"],
        warmup_requests=totals["warmup"],
        bytes_read=totals["bytes_read"],
        warmup_s=spec.warmup_s,
        latency_distribution=_distribution(overall),
        latency_buckets=_buckets(overall),
        endpoints=endpoints,
        generator=GeneratorHealth(
            cpu_percent=round(cpu_max * 100, 1),
            send_lag_p99_ms=round(lag / 1000, 2),
            saturated=saturated,
            workers=len(parts),
        ),
        valid=not saturated and not totals["local_errors"],
        notes=notes,
    )


def run_load(spec: LoadSpec, progress: Progress | None = None) -> LoadResult:
    """Run the spec over its generator processes. Interrupted (SIGINT, SIGTERM), it raises ``Interrupted``
    whose ``partial`` is the LoadResult of what ran until then (None when no generator could report)."""
    workers = min(spec.workers, spec.connections, spec.max_requests or spec.connections)
    if workers == 1:
        try:
            return merge(spec, [run_worker(spec, spec.connections, spec.rate, 1, progress)])
        except Interrupted as exc:
            parts = [exc.partial] if isinstance(exc.partial, dict) else []
            raise Interrupted(exc.signum, _partial(spec, parts)) from None
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    conns = _split(spec.connections, workers)
    # A request budget is shared: each process stops at its part of it.
    budgets: list[int | None] = list(_split(spec.max_requests, workers)) if spec.max_requests else [None] * workers
    procs = []
    for wid in range(workers):
        rate = spec.rate * conns[wid] / spec.connections if spec.rate else None
        share = spec.model_copy(update={"max_requests": budgets[wid]})
        p = ctx.Process(target=_child, args=(share.model_dump_json(), conns[wid], rate, wid + 1, out, wid), daemon=True)
        p.start()
        procs.append(p)
    got = _Received(out, procs, progress)
    try:
        got.until(time.monotonic() + spec.warmup_s + spec.duration_s + spec.timeout_s + 30)
    except Interrupted as exc:  # the workers end now, each reporting what it measured until then
        for p in procs:
            if p.is_alive() and p.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p.pid, STOP_SIGNAL)
        got.progress = None
        got.until(time.monotonic() + STOP_GRACE_S)
        for p in procs:
            p.kill()
        raise Interrupted(exc.signum, _partial(spec, list(got.results.values()))) from None
    except BaseException:
        for p in procs:
            p.kill()
        raise
    finally:
        for p in procs:
            p.join(timeout=2)
            if p.is_alive():
                p.kill()
    if not got.results:
        raise RuntimeError("load generator processes failed: " + ("; ".join(got.errors) or "no result"))
    return merge(spec, list(got.results.values()))


class _Received:
    """What the generator processes sent: progress (passed on), their results and their errors."""

    def __init__(self, out: Any, procs: list[Any], progress: Progress | None) -> None:
        self.out, self.procs, self.progress = out, procs, progress
        self.results: dict[int, dict[str, Any]] = {}
        self.errors: list[str] = []
        self.done_by: dict[int, tuple[int, int]] = {}

    def until(self, deadline: float) -> None:
        """Receive until every generator reported, all ended, or the deadline."""
        while len(self.results) + len(self.errors) < len(self.procs) and time.monotonic() < deadline:
            try:
                msg = self.out.get(timeout=0.5)
            except queue.Empty:
                if not any(p.is_alive() for p in self.procs) and self.out.empty():
                    return
                continue
            if msg[0] == "progress":
                self.done_by[msg[1]] = (msg[2], msg[3])
                if self.progress is not None:
                    done = self.done_by.values()
                    self.progress(sum(d for d, _ in done), sum(e for _, e in done))
            elif msg[0] == "result":
                self.results[msg[1]] = msg[2]
            else:
                self.errors.append(msg[2])


def _partial(spec: LoadSpec, parts: list[dict[str, Any]]) -> LoadResult | None:
    """What an interrupted run measured, said so; None when no generator reported."""
    if not parts:
        return None
    result = merge(spec, parts)
    measured = max((p.get("measured_s", 0.0) for p in parts), default=0.0)
    note = (
        f"interrupted after {measured:.1f}s of the {spec.duration_s:g}s asked: the figures are of what ran"
        if measured > 0
        else "interrupted during the warm-up: nothing was measured"
    )
    return result.model_copy(update={"duration_s": round(measured, 3), "notes": [note, *result.notes]})
