"""What every scoring curve is: a frozen model that maps a value to [0, 1]."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Direction = Literal["lower", "higher", "boolean"]


class CurveBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    def score(self, value: float | bool) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def direction(self) -> Direction:  # pragma: no cover - interface
        raise NotImplementedError


def clamp01(x: float) -> float:
    if x != x:  # NaN never scores
        return 0.0
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x
