"""Streaming accumulation of another tool's per-request samples into a LoadResult and ramp steps.

Every sample goes straight into HDR histograms (per endpoint, successes and failures apart, and per
concurrency level), so a 5 GB results file costs the memory of its histograms, not of its lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from perfscore.artifacts.ramp import RampStep
from perfscore.load.hdr import Recorder, percentiles
from perfscore.loadmodel import MAX_ENDPOINTS, EndpointResult, LoadResult

OTHER = "(other endpoints)"  # labels past MAX_ENDPOINTS are folded here (a label per URL with an id in it)
MIN_STEP_SAMPLES = 50  # a concurrency level becomes a ramp step with this many samples …
MIN_STEP_S = 2.0  # … spread over at least this long
_STATUS = re.compile(r"^[1-5]\d\d$")


@dataclass
class _Endpoint:
    ok: Recorder = field(default_factory=Recorder)
    err: Recorder = field(default_factory=Recorder)
    errors: int = 0
    status: Counter[str] = field(default_factory=Counter)


def _level(users: int) -> int:
    """User counts grouped to two significant digits (1,234 → 1,200): a ramp-up through every count from 1 to
    10,000 keeps at most ~280 levels, each a small (26 KB) histogram, not one per count."""
    if users < 100:
        return users
    scale = 10 ** (len(str(users)) - 2)
    return int(round(users / scale) * scale)


@dataclass
class _Level:
    ok: Recorder = field(default_factory=lambda: Recorder(digits=2))
    n: int = 0
    errors: int = 0
    first_ms: float = float("inf")
    last_ms: float = 0.0


class Accumulator:
    """Samples in, one LoadResult (and the ramp steps the file's concurrency levels hold) out."""

    def __init__(self, source: str, since_ms: float | None = None) -> None:
        self.source = source
        self.since_ms = since_ms or 0.0
        self.skipped = 0  # samples of earlier runs (before since_ms) in an appended file
        self.endpoints: dict[str, _Endpoint] = {}
        self.levels: dict[int, _Level] = {}
        self.first_ms = float("inf")
        self.last_ms = 0.0
        self.bytes = 0
        self.max_users = 0
        self.timeouts = 0
        self.connect_errors = 0
        self.resets = 0
        self.count = 0

    def add(
        self,
        label: str,
        start_ms: float,
        elapsed_ms: float,
        ok: bool,
        status: str,
        nbytes: int = 0,
        users: int | None = None,
    ) -> None:
        if start_ms and start_ms < self.since_ms:
            self.skipped += 1
            return None
        ep = self.endpoints.get(label)
        if ep is None:
            if len(self.endpoints) >= MAX_ENDPOINTS - 1 and label != OTHER:
                return self.add(OTHER, start_ms, elapsed_ms, ok, status, nbytes, users)
            ep = self.endpoints[label] = _Endpoint()
        self.count += 1
        us = int(elapsed_ms * 1000)
        if _STATUS.match(status):
            ep.status[status] += 1
        elif not ok:  # no HTTP status: the connection failed
            low = status.lower()
            if "timeout" in low or "timed out" in low:
                self.timeouts += 1
            elif "reset" in low or "closed" in low:
                self.resets += 1
            else:
                self.connect_errors += 1
        if ok:
            ep.ok.add(us)
        else:
            ep.errors += 1
            ep.err.add(us)
        self.bytes += nbytes
        if not start_ms:  # a sample without a time (JMeter plugins write 0 for some failures): counted, not timed
            return None
        self.first_ms = min(self.first_ms, start_ms)
        self.last_ms = max(self.last_ms, start_ms + elapsed_ms)
        if users is not None and users > 0:
            self.max_users = max(self.max_users, users)
            level = _level(users)
            lvl = self.levels.get(level)
            if lvl is None:
                lvl = self.levels[level] = _Level()
            lvl.n += 1
            if ok:
                lvl.ok.add(us)
            else:
                lvl.errors += 1
            lvl.first_ms = min(lvl.first_ms, start_ms)
            lvl.last_ms = max(lvl.last_ms, start_ms)
        return None

    def notes(self) -> list[str]:
        return (
            [f"{self.skipped:,} samples of earlier runs in the same file (it is appended to) were left out"]
            if self.skipped
            else []
        )

    def steps(self) -> list[RampStep]:
        """One ramp step per concurrency level the file held long enough (a stepped thread group, a
        k6 stages profile, a Locust load shape); none when it held fewer than two."""
        out = []
        for users, lvl in sorted(self.levels.items()):
            span_s = (lvl.last_ms - lvl.first_ms) / 1000
            if lvl.n < MIN_STEP_SAMPLES or span_s < MIN_STEP_S:
                continue
            h = lvl.ok.histogram()
            out.append(
                RampStep(
                    concurrency=users,
                    rps=round(lvl.n / span_s, 1),
                    p95_ms=round(h.get_value_at_percentile(95) / 1000, 3) if h.get_total_count() else None,
                    error_rate=round(lvl.errors / lvl.n, 6),
                    wall_s=round(span_s, 3),
                )
            )
        return out if len(out) >= 2 else []

    def result(self, target: str, notes: list[str] | None = None) -> LoadResult:
        from perfscore.load.hdr import new_histogram

        overall, overall_err = new_histogram(), new_histogram()
        endpoints = {}
        status: Counter[str] = Counter()
        for label, ep in self.endpoints.items():
            ok, err = ep.ok.histogram(), ep.err.histogram()
            overall.add(ok)
            overall_err.add(err)
            status.update(ep.status)
            endpoints[label] = EndpointResult(
                requests=ok.get_total_count() + err.get_total_count(),
                errors=ep.errors,
                latency_ms=percentiles(ok),
                error_latency_ms=percentiles(err),
                status_counts=dict(sorted(ep.status.items())),
            )
        requests = overall.get_total_count() + overall_err.get_total_count()
        errors = sum(e.errors for e in self.endpoints.values())
        duration = max(0.0, (self.last_ms - self.first_ms) / 1000) if requests else 0.0
        return LoadResult(
            target=target,
            model="closed",
            connections=max(1, self.max_users),
            rate=None,
            duration_s=round(duration, 3),
            requests=requests,
            errors=errors,
            error_rate=errors / requests if requests else 1.0,
            rps=round(requests / duration, 1) if duration > 0 else 0.0,
            latency_ms=percentiles(overall),
            error_latency_ms=percentiles(overall_err),
            status_counts=dict(sorted(status.items())),
            timeouts=self.timeouts,
            connect_errors=self.connect_errors,
            resets=self.resets,
            dropped=0,
            bytes_read=self.bytes,
            endpoints=endpoints,
            generator=None,
            source=self.source,
            valid=True,
            notes=notes or [],
        )
