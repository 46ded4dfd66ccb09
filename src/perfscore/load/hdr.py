"""A fast front end to an HdrHistogram: record a latency in a fraction of ``record_value``'s time.

hdrh's ``record_value`` costs about 0.7 µs in Python (five method calls per value); the engine records
one value per response, at up to ~100,000 a second per process. ``Recorder.add`` computes the same
counts index inline (the histogram's own bucket arithmetic, lowest trackable value 1) and increments
the histogram's counts array directly; ``histogram()`` settles the totals once at the end. Memory is
the histogram's, whatever the number of values (wrk2's design).
"""

from __future__ import annotations

from typing import Any

HDR_MAX_US = 3_600_000_000  # one hour, in microseconds
DIGITS = 3


PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)


def percentiles(h: Any) -> Any:
    """mean, p50 … p99.9 and max of a histogram of µs, in ms (None when it is empty).

    One pass over the counts: hdrh's get_value_at_percentile walks every bucket in Python for each
    percentile (0.2 s for the six figures of one histogram), and the field summary asks for hundreds. The
    figures are hdrh's own: the same target counts, bucket values and median-equivalent mean."""
    from perfscore.loadmodel import Percentiles

    total = h.get_total_count()
    if total == 0:
        return None
    targets = [h.get_target_count_at_percentile(p) for p in PERCENTILES]
    found: list[int] = []
    running = weighted = 0
    for index, count in enumerate(h.counts[: h.counts_len]):
        if not count:
            continue
        value = h.get_value_from_index(index)
        weighted += count * h._hdr_median_equiv_value(value)
        running += count
        while len(found) < len(targets) and running >= targets[len(found)]:
            found.append(h.get_highest_equivalent_value(value))
    ms = 1000.0
    p50, p90, p95, p99, p999 = (round(v / ms, 3) for v in found)
    return Percentiles(
        mean=round(weighted / total / ms, 3),
        p50=p50,
        p90=p90,
        p95=p95,
        p99=p99,
        p999=p999,
        max=round(h.get_max_value() / ms, 3),
    )


def new_histogram(digits: int = DIGITS) -> Any:
    from hdrh.histogram import HdrHistogram

    return HdrHistogram(1, HDR_MAX_US, digits)


class Recorder:
    __slots__ = ("hist", "counts", "mask", "shift", "half_mag", "half", "n", "lo", "hi")

    def __init__(self, digits: int = DIGITS) -> None:
        h = self.hist = new_histogram(digits)
        assert h.unit_magnitude == 0  # the inline arithmetic assumes a lowest trackable value of 1
        self.counts = h.counts
        self.mask = h.sub_bucket_mask
        self.half_mag = h.sub_bucket_half_count_magnitude
        self.shift = self.half_mag + 1
        self.half = h.sub_bucket_half_count
        self.n = 0
        self.lo = HDR_MAX_US
        self.hi = 0

    def add(self, us: int) -> None:
        """Record one value in µs (clamped to 1 µs … 1 h)."""
        if us < 1:
            us = 1
        elif us > HDR_MAX_US:
            us = HDR_MAX_US
        bucket = (us | self.mask).bit_length() - self.shift
        self.counts[((bucket + 1) << self.half_mag) + (us >> bucket) - self.half] += 1
        self.n += 1
        if us > self.hi:
            self.hi = us
        if us < self.lo:
            self.lo = us

    def histogram(self) -> Any:
        """The HdrHistogram holding every value added (totals settled)."""
        h = self.hist
        if self.n:
            h.total_count += self.n
            h.min_value = min(h.min_value, self.lo)
            h.max_value = max(h.max_value, self.hi)
            self.n, self.lo, self.hi = 0, HDR_MAX_US, 0
        return h
