"""Piecewise-linear curve for ratios: straight lines between (value, score) points.

Values beyond the first or last point take that point's score. A two-point
curve is a plain linear ramp.
"""

from __future__ import annotations

import bisect
import math
from typing import Literal

from pydantic import Field, model_validator

from perfscore.curves.base import CurveBase, Direction, clamp01


class PiecewiseCurve(CurveBase):
    type: Literal["linear", "piecewise"]
    points: list[tuple[float, float]] = Field(min_length=2)

    @model_validator(mode="after")
    def _check(self) -> PiecewiseCurve:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            raise ValueError("curve points must have strictly increasing values")
        if any(not 0.0 <= y <= 1.0 for y in ys):
            raise ValueError("curve point scores must be between 0 and 1")
        rising = all(b >= a for a, b in zip(ys, ys[1:], strict=False))
        falling = all(b <= a for a, b in zip(ys, ys[1:], strict=False))
        if not (rising or falling) or ys[0] == ys[-1]:
            raise ValueError("curve point scores must rise or fall monotonically")
        return self

    def direction(self) -> Direction:
        return "higher" if self.points[-1][1] > self.points[0][1] else "lower"

    def score(self, value: float | bool) -> float:
        v = float(value)
        if math.isnan(v):
            return 0.0
        xs = [p[0] for p in self.points]
        if v <= xs[0]:
            return self.points[0][1]
        if v >= xs[-1]:
            return self.points[-1][1]
        i = bisect.bisect_right(xs, v)
        (x0, y0), (x1, y1) = self.points[i - 1], self.points[i]
        return clamp01(y0 + (y1 - y0) * (v - x0) / (x1 - x0))
