from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from perfscore.curves import BooleanCurve, LogNormalCurve, PiecewiseCurve


def test_lognormal_matches_lighthouse_control_points() -> None:
    c = LogNormalCurve(type="lognormal", p10=200, median=600)
    assert c.score(200) == pytest.approx(0.90, abs=1e-9)
    assert c.score(600) == pytest.approx(0.50, abs=1e-9)
    assert c.score(0) == 1.0
    assert c.score(1e9) == pytest.approx(0.0, abs=1e-6)
    assert c.direction() == "lower"


def test_lognormal_mirrored_for_higher_is_better() -> None:
    c = LogNormalCurve(type="lognormal", p10=1000, median=300)
    assert c.direction() == "higher"
    assert c.score(1000) == pytest.approx(0.90, abs=1e-9)
    assert c.score(300) == pytest.approx(0.50, abs=1e-9)
    assert c.score(0) == 0.0
    assert c.score(math.inf) == 1.0
    assert c.score(2000) > c.score(1000) > c.score(300) > c.score(100)


@pytest.mark.parametrize("value", [1, 50, 200, 333, 600, 1200, 5000])
def test_lognormal_agrees_with_the_location_shape_form(value: float) -> None:
    # The same curve written as a log-normal distribution (location, shape), as
    # in Lighthouse's older scoring code: an independent check of the algebra.
    p10, median = 200.0, 600.0
    shape = abs(math.log(p10 / median) / (math.sqrt(2) * -0.9061938024368232))
    expected = 0.5 - 0.5 * math.erf((math.log(value) - math.log(median)) / (math.sqrt(2) * shape))
    assert LogNormalCurve(type="lognormal", p10=p10, median=median).score(value) == pytest.approx(expected)


def test_piecewise_interpolates_and_clamps() -> None:
    c = PiecewiseCurve(type="piecewise", points=[(0.5, 0.0), (0.85, 0.6), (0.95, 1.0)])
    assert c.score(0.1) == 0.0
    assert c.score(0.85) == pytest.approx(0.6)
    assert c.score(0.90) == pytest.approx(0.8)
    assert c.score(2.0) == 1.0
    assert c.score(float("nan")) == 0.0


@pytest.mark.parametrize(
    "points",
    [
        [(1, 0.0), (1, 1.0)],  # not increasing
        [(0, 0.0), (1, 1.5)],  # score above 1
        [(0, 0.0), (1, 1.0), (2, 0.0)],  # not monotonic
        [(0, 0.5), (1, 0.5)],  # flat
    ],
)
def test_piecewise_rejects_incoherent_points(points: list[tuple[float, float]]) -> None:
    with pytest.raises(ValidationError):
        PiecewiseCurve(type="piecewise", points=points)


def test_boolean() -> None:
    c = BooleanCurve(type="boolean")
    assert c.score(True) == 1.0
    assert c.score(False) == 0.0


@pytest.mark.parametrize("value", [5e-324, 1e-310, 1e308, math.inf])
def test_lognormal_survives_extreme_values(value: float) -> None:
    low = LogNormalCurve(type="lognormal", p10=25, median=100)
    high = LogNormalCurve(type="lognormal", p10=1000, median=300)
    assert 0.0 <= low.score(value) <= 1.0
    assert 0.0 <= high.score(value) <= 1.0
