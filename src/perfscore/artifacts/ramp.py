"""The scalability ramp: one closed-model step per concurrency, and the SLO it was judged by."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class RampStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    concurrency: int
    rps: float
    p95_ms: float | None = Field(None, description="None: no successful response")
    error_rate: float
    valid: bool = True
    generator_saturated: bool = False


class RampSnapshot(Snapshot):
    artifact: ClassVar[str] = "ramp"

    slo_p95_ms: float
    slo_error_rate: float
    steps: list[RampStep] = Field(default_factory=list)
