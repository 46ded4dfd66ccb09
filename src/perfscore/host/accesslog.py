"""The site's busiest minute, from the access log its web server names: what `init` proposes as the SLO.

nginx's ``combined`` and ``common`` formats (and most custom ones) carry ``[$time_local]``, and start with
``$remote_addr``; a line without a timestamp is skipped, and so is perfscore's own traffic (its user agent
names it: an audit's load test is not the site's peak). Only the file's last ``READ_LIMIT`` bytes are read
(the recent traffic), never a rotated or compressed copy, never a FIFO or device.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import stat
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from perfscore.artifacts.slo import LOANFLOW_P95_MS

MAX_USERS = 20000  # the ramp's largest step
READ_LIMIT = 64 * 1024 * 1024
# [06/Dec/2026:12:14:31 +0000]: the minute is the key (the seconds and zone dropped; one file, one zone).
OWN = "perfscore/"  # in perfscore's default user agent
_TIME_LOCAL = re.compile(r"\[(\d{2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}):\d{2}(?: [+-]\d{4})?\]")


@dataclass(frozen=True)
class Peak:
    """The busiest minute of an access log."""

    path: str
    minute: str  # as the log writes it: 06/Dec/2026:12:14
    requests: int  # in that minute
    clients: int  # distinct client addresses in that minute (0: the lines name none)
    lines: int  # timestamped lines read
    minutes: int  # distinct minutes seen

    @property
    def rps(self) -> float:
        return self.requests / 60


def _client(line: str) -> str | None:
    first = line.split(" ", 1)[0]
    try:
        ipaddress.ip_address(first)
    except ValueError:
        return None
    return first


def busiest_minute(path: str, lines: Iterable[str]) -> Peak | None:
    """The minute with the most requests (the earliest of a tie); None when no line carries a timestamp."""
    counts: Counter[str] = Counter()
    clients: defaultdict[str, set[str]] = defaultdict(set)
    order: dict[str, int] = {}
    total = 0
    for line in lines:
        m = _TIME_LOCAL.search(line)
        if m is None or OWN in line:
            continue
        minute = m.group(1)
        total += 1
        counts[minute] += 1
        order.setdefault(minute, len(order))
        who = _client(line)
        if who:
            clients[minute].add(who)
    if not counts:
        return None
    minute = max(counts, key=lambda k: (counts[k], -order[k]))
    return Peak(path, minute, counts[minute], len(clients[minute]), total, len(counts))


def nice_ceil(x: float) -> float:
    """``x`` rounded up to two significant figures (37.3 -> 38, 1,234 -> 1,300), at least 1."""
    if x <= 1:
        return 1.0
    step = 10 ** (math.floor(math.log10(x)) - 1)
    return float(math.ceil(round(x / step, 9)) * step)


def proposed_slo(peak: Peak, p95_ms: float = LOANFLOW_P95_MS) -> tuple[float, int, str]:
    """(peak_rps, concurrent_users, where they came from) for init's ``slo:`` block.

    peak_rps: the busiest minute's rate, rounded up to two figures. concurrent_users: the client addresses
    active in that minute, and at least the requests in flight at that rate within the p95 target (Little's
    law: rate × time), never above what the ramp allows."""
    rps = nice_ceil(peak.rps)
    in_flight = math.ceil(rps * p95_ms / 1000)
    users = min(MAX_USERS, max(peak.clients, in_flight, 1))
    basis = (
        f"{peak.clients:,} client addresses in that minute"
        if peak.clients >= in_flight
        else f"{in_flight:,} requests in flight at {rps:g} req/s within p95 {p95_ms:g} ms"
        + (f" (more than its {peak.clients:,} client addresses)" if peak.clients else "")
    )
    source = (
        f"from {peak.path}: its busiest minute ({peak.minute}) had {peak.requests:,} requests, {peak.rps:,.1f} "
        f"req/s, rounded up to {rps:g}; users: {basis}"
    )
    return rps, users, source


def _tail(path: str) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block init
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError("not a regular file")
        start = max(0, st.st_size - READ_LIMIT)
        os.lseek(fd, start, os.SEEK_SET)
        chunks = []
        while data := os.read(fd, 1 << 20):
            chunks.append(data)
            if sum(len(c) for c in chunks) >= READ_LIMIT:
                break
        text = b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(fd)
    return text.split("\n", 1)[1] if start > 0 and "\n" in text else text  # a cut first line is not a request


def read_peak(paths: list[str]) -> tuple[Peak | None, str]:
    """The busiest minute of the first access log that can be read and has timestamped lines, and a note
    on what was read (or why none could be)."""
    if not paths:
        return None, "the web server names no access log for the target"
    why: list[str] = []
    for path in paths:
        try:
            text = _tail(path)
        except OSError as exc:
            why.append(f"{path}: {exc.strerror or exc}")
            continue
        peak = busiest_minute(path, text.splitlines())
        if peak is not None:
            return peak, (
                f"{path}: busiest minute {peak.minute}, {peak.requests:,} requests ({peak.rps:,.1f} req/s) "
                f"from {peak.clients:,} client addresses, of {peak.lines:,} requests over {peak.minutes:,} minutes"
            )
        why.append(f"{path}: no line with a [time_local] timestamp")
    return None, "; ".join(why)
