"""Lighthouse's log-normal curve for latencies and sizes.

The value at ``p10`` scores 0.90 and the value at ``median`` scores 0.50
(Lighthouse core/lib/statistics.js, getLogNormalScore). With ``p10 > median``
the curve is mirrored for "higher is better" metrics such as throughput.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import model_validator

from perfscore.curves.base import CurveBase, Direction, clamp01

# erfc^-1(0.2): makes the value at p10 score exactly 0.90.
INVERSE_ERFC_ONE_FIFTH = 0.9061938024368232


class LogNormalCurve(CurveBase):
    type: Literal["lognormal"]
    p10: float
    median: float

    @model_validator(mode="after")
    def _check(self) -> LogNormalCurve:
        if self.p10 <= 0 or self.median <= 0:
            raise ValueError("lognormal p10 and median must be positive")
        if self.p10 == self.median:
            raise ValueError("lognormal p10 and median must differ")
        return self

    def direction(self) -> Direction:
        return "lower" if self.p10 < self.median else "higher"

    def score(self, value: float | bool) -> float:
        v = float(value)
        if math.isnan(v):
            return 0.0
        # Ratios of extreme values can underflow to 0 (Lighthouse clamps to MIN_VALUE).
        if self.direction() == "lower":
            r = v / self.median
            if r <= 0:
                return 1.0
            ratio = math.log(r)
            spread = math.log(self.median / self.p10)
        else:
            r = v / self.median
            if r <= 0:
                return 0.0
            if math.isinf(r):
                return 1.0
            ratio = -math.log(r)
            spread = math.log(self.p10 / self.median)
        standardized = ratio * INVERSE_ERFC_ONE_FIFTH / spread
        return clamp01(0.5 * math.erfc(standardized))
