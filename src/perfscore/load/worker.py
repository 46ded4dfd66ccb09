"""One generator process: an event loop driving virtual users over keep-alive connections.

Closed model: each virtual user sends, waits for the answer (and its think
time), sends again; latency is measured from the actual send.

Open model (constant arrival rate): each connection owns a slice of the
arrival schedule (wrk2's design). Latency is measured from the *intended*
send time, so a server stall shows up as latency for every request that
should have gone out meanwhile instead of being hidden (coordinated
omission). Arrivals more than ``max_backlog`` behind on a connection are
dropped and counted.
"""

from __future__ import annotations

import asyncio
import errno
import random
import resource
import ssl
import time
from array import array
from collections import Counter
from collections.abc import Callable
from time import perf_counter
from typing import Any

from perfscore.errors import Interrupted, pending_signals
from perfscore.load.hdr import Recorder
from perfscore.load.protocol import ClientProtocol, ConnectionOwner
from perfscore.loadmodel import Endpoint, LoadSpec
from perfscore.tls import client_context

TICK_S = 0.01
TIMEOUT_SWEEP_TICKS = 10


def build_request(spec: LoadSpec, ep: Endpoint, cookies: dict[bytes, bytes] | None = None) -> bytes:
    lines = [f"{ep.method} {ep.path} HTTP/1.1", f"Host: {spec.host_header}"]
    if not any(k.lower() == "user-agent" for k in ep.headers):  # -H 'User-Agent: …' replaces it, as in wrk and hey
        lines.append(f"User-Agent: {spec.user_agent}")
    lines += [f"{k}: {v}" for k, v in ep.headers.items() if k.lower() not in ("host", "content-length")]
    body = ep.body.encode() if ep.body is not None else b""
    if body or ep.method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines)).encode("latin-1", "replace")
    if cookies:
        head += b"\r\nCookie: " + b"; ".join(k + b"=" + v for k, v in cookies.items())
    return head + b"\r\n\r\n" + body


def weighted_cycle(endpoints: list[Endpoint], rng: random.Random, size: int = 100) -> list[int]:
    total = sum(e.weight for e in endpoints)
    raw = [e.weight / total * size for e in endpoints]
    counts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: size - sum(counts)]:
        counts[i] += 1
    order = [i for i, c in enumerate(counts) for _ in range(max(c, 0))] or [0]
    rng.shuffle(order)
    return order


IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# Connects that fail for want of this machine's resources: descriptors, ports, buffers.
LOCAL_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.EADDRNOTAVAIL, errno.ENOBUFS, errno.ENOMEM})


class Stats:
    def __init__(self, labels: list[str]) -> None:
        # Latencies go straight into HDR histograms (µs, 3 significant digits), one per endpoint: memory
        # stays constant whatever the request count, as in wrk2. Indexed like the spec's endpoints.
        self.lat = [Recorder() for _ in labels]
        # Failures are timed apart: a page that fails fast must not make the percentiles look good.
        self.err_lat = [Recorder() for _ in labels]
        self.status: dict[str, Counter[int]] = {label: Counter() for label in labels}
        self.errors: Counter[str] = Counter()
        self.timeouts = 0
        self.resets = 0
        self.connect_errors = 0
        self.protocol_errors = 0
        self.dropped = 0
        self.local_errors = 0  # EMFILE, EADDRNOTAVAIL…: this machine's limits, not the target's errors
        self.unfinished = 0
        self.warmup = 0  # responses during the warm-up: not measured, but they reached the app
        self.abandoned = 0  # in flight when the run ended and no slower than answers that came: left out
        self.abandoned_late = 0  # of which had already waited longer than every answer served
        self.slowest_ok = 0.0  # s: the slowest successful answer so far
        self.bytes = [0]  # every byte received; shared with the protocols (one add per packet)
        self.bytes_at_measure = -1  # the count when the warm-up ended
        self.measured = 0  # responses and failures after the warm-up: what -n N counts
        self.completed = 0  # all responses, warm-up included (for progress and max_requests)


class Worker:
    def __init__(
        self,
        spec: LoadSpec,
        connections: int,
        rate: float | None,
        seed: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.spec = spec
        self.connections = connections
        self.rate = rate
        self.rng = random.Random(seed)
        self.labels = [e.label for e in spec.endpoints]
        self.requests = [build_request(spec, e) for e in spec.endpoints]
        self.ok_status = [set(e.expect_status) for e in spec.endpoints]
        self.stats = Stats(self.labels)
        # One context per process: sessions are not resumed across connections (each connect is a full
        # handshake, as wrk's are), keep-alive carries the requests.
        self.tls: ssl.SSLContext | None = client_context(spec.insecure) if spec.tls else None
        self.progress = progress
        self.stopping = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.t0 = 0.0
        self.measure_from = 0.0
        self.deadline = 0.0
        self.lags = array("q")
        self.users: list[VirtualUser] = []
        self.done: asyncio.Future[None] | None = None
        self.max_requests = spec.max_requests
        self.sent = 0  # measured sends: with -n N, the N+1-th is never sent
        self.stopped_at = 0.0
        self.last_answer_at = 0.0  # when a response last came, on any connection (the run's start before one)

    def is_error(self, idx: int, status: int) -> bool:
        ok = self.ok_status[idx]
        if ok:
            return status not in ok
        return status >= 400

    def record(self, idx: int, status: int, latency_s: float, now: float) -> None:
        if self.stopping:  # after the N-th of -n N, a response in the same batch is not the N+1-th
            return
        st = self.stats
        st.completed += 1
        self.last_answer_at = now
        if now >= self.measure_from:
            st.measured += 1
            label = self.labels[idx]
            st.status[label][status] += 1
            if self.is_error(idx, status):
                st.errors[label] += 1
                st.err_lat[idx].add(int(latency_s * 1_000_000))
            else:
                st.lat[idx].add(int(latency_s * 1_000_000))
                if latency_s > st.slowest_ok:
                    st.slowest_ok = latency_s
        else:
            st.warmup += 1
        if self.max_requests is not None and st.measured >= self.max_requests:
            self.stop()

    def fail(self, idx: int | None, kind: str) -> None:
        if self.stopping or perf_counter() < self.measure_from:
            return
        st = self.stats
        if kind == "timeout":
            st.timeouts += 1
        elif kind == "reset":
            st.resets += 1
        elif kind == "connect":
            st.connect_errors += 1
        else:
            st.protocol_errors += 1
        if idx is not None:
            st.errors[self.labels[idx]] += 1
        else:
            st.errors["(connect)"] += 1
        st.measured += 1
        if self.max_requests is not None and st.measured >= self.max_requests:
            self.stop()

    def stop(self, deadline: bool = False) -> None:
        if self.stopping:
            return
        self.stopped_at = now = perf_counter()
        # A request still waiting at the deadline is a timeout when it waited past the request timeout (the
        # sweep runs every few ticks), or when it waited long (longer than any answer that came) while the
        # server answered nothing at all: it stopped answering (against a server that never answers, every
        # request is one of these). One cut off while answers were still coming is the generator's doing,
        # not the app's error: left out and counted apart. A saturated app's queue at a ramp step's end
        # holds requests older than any answer yet (its latency still grows) while it answers on: those
        # are cut off, not timed out. Only at the deadline: with -n N nothing else waits.
        patience = max(min(self.spec.timeout_s, max(1.0, self.spec.duration_s / 2)), self.stats.slowest_ok)
        silent = now - self.last_answer_at > patience
        for u in self.users if deadline else ():
            if not u.in_flight:
                continue
            u.in_flight = False
            waited = now - u.sent_at
            if waited > self.spec.timeout_s or (silent and waited > patience):
                self.stats.unfinished += 1
                self.stats.timeouts += 1
                self.stats.errors[self.labels[u.ep]] += 1
            else:
                self.stats.abandoned += 1
                if waited > self.stats.slowest_ok:  # slower already than every answer served: the tail
                    self.stats.abandoned_late += 1
        self.stopping = True
        for u in self.users:
            u.close()
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    async def _ticker(self) -> None:
        next_tick = perf_counter() + TICK_S
        last_progress = 0.0
        ticks = 0
        while not self.stopping:
            await asyncio.sleep(max(0.0, next_tick - perf_counter()))
            now = perf_counter()
            self.lags.append(int(max(0.0, now - next_tick) * 1_000_000))
            next_tick += TICK_S
            if next_tick < now:
                next_tick = now + TICK_S
            ticks += 1
            if self.stats.bytes_at_measure < 0 and now >= self.measure_from:
                self.stats.bytes_at_measure = self.stats.bytes[0]
            if ticks % TIMEOUT_SWEEP_TICKS == 0:  # thousands of users: sweep for timeouts 10x less often
                timeout = self.spec.timeout_s
                for u in self.users:
                    if u.in_flight and now - u.sent_at > timeout:
                        u.timed_out()
            if self.progress is not None and now - last_progress >= 0.5:
                last_progress = now
                self.progress(self.stats.completed, sum(self.stats.errors.values()))
            if now >= self.deadline:
                self.stop(deadline=True)

    async def run(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.done = self.loop.create_future()
        self.t0 = self.last_answer_at = perf_counter()
        self.measure_from = self.t0 + self.spec.warmup_s
        if self.spec.warmup_s == 0:
            self.stats.bytes_at_measure = 0
        self.deadline = self.measure_from + self.spec.duration_s
        interval = (self.connections / self.rate) if self.rate else 0.0
        for i in range(self.connections):
            first_due = self.t0 + (i / self.connections) * interval if interval else 0.0
            self.users.append(VirtualUser(self, i, interval, first_due))
        ticker = asyncio.ensure_future(self._ticker())
        # Stagger connection set-up a little so thousands of connects don't all hit the backlog at once.
        for n, u in enumerate(self.users):
            u.connect()
            if n % 256 == 255:
                await asyncio.sleep(0.001)
        await self.done
        ticker.cancel()
        await asyncio.sleep(0)


class VirtualUser(ConnectionOwner):
    __slots__ = (
        "w",
        "idx",
        "proto",
        "in_flight",
        "sent_at",
        "ep",
        "cycle",
        "pos",
        "interval",
        "next_due",
        "cookies",
        "backoff",
        "closed",
        "timer",
        "served",
        "retry",
    )

    def __init__(self, w: Worker, idx: int, interval: float, first_due: float) -> None:
        self.w = w
        self.idx = idx
        self.proto: ClientProtocol | None = None
        self.in_flight = False
        self.sent_at = 0.0
        self.ep = 0
        self.cycle = weighted_cycle(w.spec.endpoints, random.Random(w.rng.random()))
        self.pos = idx % len(self.cycle)
        self.interval = interval
        self.next_due = first_due
        self.cookies: dict[bytes, bytes] | None = None
        self.backoff = 0.05
        self.closed = False
        self.timer: asyncio.TimerHandle | None = None
        self.served = 0  # responses on the current connection
        self.retry = False  # resend the request a reused connection lost before any byte of its answer

    def connect(self) -> None:
        if self.w.stopping:
            return
        loop = self.w.loop
        assert loop is not None
        spec = self.w.spec
        task = loop.create_task(
            loop.create_connection(
                lambda: ClientProtocol(self, self.w.stats.bytes),
                spec.host,
                spec.port,
                ssl=self.w.tls,
                server_hostname=spec.host if self.w.tls is not None else None,
            )
        )
        task.add_done_callback(self._connected)

    def _connected(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            if isinstance(exc, OSError) and exc.errno in LOCAL_ERRNOS:
                self.w.stats.local_errors += 1
            else:
                self.w.fail(None, "connect")
            if not self.w.stopping:
                assert self.w.loop is not None
                self.w.loop.call_later(self.backoff, self.connect)
                self.backoff = min(self.backoff * 2, 1.0)
        elif self.w.stopping:
            transport, _ = task.result()
            transport.close()

    def on_connected(self, proto: ClientProtocol) -> None:
        self.proto = proto
        self.backoff = 0.05
        self.served = 0
        if self.retry:
            self.send()
        else:
            self.schedule()

    def schedule(self) -> None:
        w = self.w
        if w.stopping:
            return
        loop = w.loop
        assert loop is not None
        if self.interval:
            now = perf_counter()
            # Drop arrivals this connection cannot catch up with (the in-flight cap).
            behind = (now - self.next_due) / self.interval
            if behind > w.spec.max_backlog:
                skip = int(behind - w.spec.max_backlog) + 1
                self.next_due += skip * self.interval
                if now >= w.measure_from:
                    w.stats.dropped += skip
            if self.next_due > now:
                self.timer = loop.call_later(self.next_due - now, self.send, True)
                return
            self.send()
        elif w.spec.think_time_s:
            self.timer = loop.call_later(w.spec.think_time_s, self.send)
        else:
            self.send()

    def send(self, on_time: bool = False) -> None:
        self.timer = None
        w = self.w
        proto = self.proto
        if w.stopping or proto is None or proto.transport is None:
            return
        if self.retry:
            # The same request again, on a fresh connection; its latency counts from the first send, as a
            # client that retries (curl, Go's net/http behind hey and k6) would see it.
            self.retry = False
            ep = self.ep
            self.in_flight = True
            proto.parser.head_request = w.spec.endpoints[ep].method == "HEAD"
            proto.transport.write(build_request(w.spec, w.spec.endpoints[ep], self.cookies))
            return
        if w.max_requests is not None and perf_counter() >= w.measure_from:
            if w.sent >= w.max_requests:  # the budget is spent: this user waits for the others' answers
                return
            w.sent += 1
        ep = self.cycle[self.pos]
        self.pos += 1
        if self.pos == len(self.cycle):
            self.pos = 0
        self.ep = ep
        if self.interval and not on_time:
            # Behind schedule because the connection was busy: latency counts from the
            # intended send time (coordinated-omission correction, as wrk2 does).
            self.sent_at = self.next_due
        else:
            # Idle connection woken by its timer: the timer's own lateness (event-loop
            # granularity) is the generator's, not the server's.
            self.sent_at = perf_counter()
        if self.interval:
            self.next_due += self.interval
        self.in_flight = True
        proto.parser.head_request = w.spec.endpoints[ep].method == "HEAD"
        if self.cookies:
            proto.transport.write(build_request(w.spec, w.spec.endpoints[ep], self.cookies))
        else:
            proto.transport.write(w.requests[ep])

    def on_response(self, status: int, close: bool, cookies: list[bytes] | None) -> None:
        w = self.w
        if not self.in_flight:
            return
        self.in_flight = False
        self.served += 1
        now = perf_counter()
        w.record(self.ep, status, now - self.sent_at, now)
        if cookies:
            jar = self.cookies if self.cookies is not None else {}
            for c in cookies:
                name, _, value = c.partition(b"=")
                jar[name] = value
            self.cookies = jar
        if close:
            if self.proto is not None and self.proto.transport is not None:
                self.proto.transport.close()
            return
        self.schedule()

    def timed_out(self) -> None:
        self.in_flight = False
        self.w.fail(self.ep, "timeout")
        if self.proto is not None and self.proto.transport is not None:
            self.proto.transport.abort()

    def on_protocol_error(self, message: str) -> None:
        if self.in_flight:
            self.in_flight = False
            self.w.fail(self.ep, "protocol")

    def on_lost(self, proto: ClientProtocol, exc: Exception | None) -> None:
        if proto.parser.eof() and self.in_flight:
            pass  # a read-until-close body completed in eof()
        parser = proto.parser
        if (
            self.in_flight
            and self.served
            and parser.state == 0
            and not parser.buf
            and self.w.spec.endpoints[self.ep].method in IDEMPOTENT
            and not self.w.stopping
        ):
            # A reused keep-alive connection the server closed as the request went out (its idle timeout):
            # no byte of an answer came, so the request is sent again once on a new connection (RFC 9112
            # §9.3.1), as curl and Go's client do; not a server error.
            self.in_flight = False
            self.retry = True
        if self.in_flight:
            self.in_flight = False
            if not self.w.stopping:
                self.w.fail(self.ep, "reset")
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.proto = None
        if not self.w.stopping and not self.closed:
            assert self.w.loop is not None
            self.w.loop.call_soon(self.connect)

    def close(self) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
        if self.proto is not None and self.proto.transport is not None:
            self.proto.transport.close()


def _shut_down(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is still pending (connects and TLS handshakes of thousands of users at the deadline)
    and close the loop without a word: the run is over, their errors are no one's."""
    loop.set_exception_handler(lambda _loop, _context: None)
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop

        return uvloop.new_event_loop  # type: ignore[no-any-return]
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        return asyncio.new_event_loop


def run_worker(
    spec: LoadSpec,
    connections: int,
    rate: float | None,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    stop_signal: int | None = None,
) -> dict[str, Any]:
    """Run one generator on a fresh event loop; return picklable raw results.

    Interrupted (a signal stopped the loop), it raises ``Interrupted`` carrying the raw results of what ran.
    ``stop_signal``: a signal that ends the run early as its deadline would (a generator process told by
    its parent, which was interrupted, to report what it has)."""

    worker = Worker(spec, connections, rate, seed, progress)
    loop = _loop_factory()()
    if stop_signal is not None:
        loop.add_signal_handler(stop_signal, worker.stop)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    try:
        loop.run_until_complete(worker.run())
        # Let closing transports finish.
        loop.run_until_complete(asyncio.sleep(0.05))
    except RuntimeError:  # "Event loop stopped before Future completed": a signal stopped it
        worker.stop()
        if not pending_signals:
            raise
    finally:
        _shut_down(loop)
    raw = _raw(worker, ru0, wall0)
    if pending_signals:  # the summary of what ran goes with the interruption
        raise Interrupted(pending_signals.pop(), partial=raw)
    return raw


def _raw(worker: Worker, ru0: Any, wall0: float) -> dict[str, Any]:
    """A worker's picklable raw results, up to its deadline or its stop."""
    wall = time.perf_counter() - wall0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)

    # In the spec's endpoint order (two endpoints may share a label).
    hists = [r.histogram().encode() for r in worker.stats.lat]
    err_hists = [r.histogram().encode() for r in worker.stats.err_lat]
    lag = sorted(worker.lags)
    st = worker.stats
    return {
        "hists": hists,
        "err_hists": err_hists,
        "status": {k: dict(v) for k, v in st.status.items()},
        "errors": dict(st.errors),
        "timeouts": st.timeouts,
        "resets": st.resets,
        "connect_errors": st.connect_errors,
        "protocol_errors": st.protocol_errors,
        "dropped": st.dropped,
        "local_errors": st.local_errors,
        "unfinished": st.unfinished,
        "abandoned": st.abandoned,
        "abandoned_late": st.abandoned_late,
        "warmup": st.warmup,
        "bytes_read": st.bytes[0] - max(0, st.bytes_at_measure),
        "cpu_s": cpu,
        "wall_s": wall,
        "lag_p99_us": lag[int(len(lag) * 0.99)] if lag else 0,
        "measured_s": max(0.0, min(worker.stopped_at, worker.deadline) - worker.measure_from),
    }
