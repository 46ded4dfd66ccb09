"""perfscore's one-pass percentiles against hdrh's own methods: the same figures, bucket for bucket."""

from __future__ import annotations

import random

import pytest

from perfscore.load.hdr import Recorder, percentiles


@pytest.mark.parametrize("digits", [2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_one_pass_percentiles_are_hdrhs(digits: int, seed: int) -> None:
    rnd = random.Random(seed)
    r = Recorder(digits)
    for _ in range(rnd.randint(1, 4000)):
        r.add(int(rnd.lognormvariate(8, 2.5)))  # 1 µs … hours: every bucket range, the clamps too
    h = r.histogram()
    got = percentiles(h)
    assert got.mean == round(h.get_mean_value() / 1000, 3)
    for field, p in (("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("p999", 99.9)):
        assert getattr(got, field) == round(h.get_value_at_percentile(p) / 1000, 3), field
    assert got.max == round(h.get_max_value() / 1000, 3)


def test_an_empty_histogram_has_no_percentiles() -> None:
    assert percentiles(Recorder().histogram()) is None
