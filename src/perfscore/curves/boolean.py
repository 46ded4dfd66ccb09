"""Boolean curve for presence checks: true scores 1, false scores 0."""

from __future__ import annotations

from typing import Literal

from perfscore.curves.base import CurveBase, Direction


class BooleanCurve(CurveBase):
    type: Literal["boolean"]

    def direction(self) -> Direction:
        return "boolean"

    def score(self, value: float | bool) -> float:
        return 1.0 if bool(value) and value == value else 0.0
