"""The scalability ramp: one closed-model step per concurrency, and the SLO it was judged by."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class RampStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    concurrency: int = Field(ge=1)
    rps: float = Field(ge=0, allow_inf_nan=False)
    p95_ms: float | None = Field(None, ge=0, allow_inf_nan=False, description="None: no successful response")
    error_rate: float = Field(
        ge=0, le=1, description="errors among the requests answered or failed (abandoned left out)"
    )
    abandoned: int = Field(
        0,
        ge=0,
        description="requests in flight when the step ended, the app still answering: cut off by the generator, "
        "neither successes nor errors (0 in runs saved before it was counted)",
    )
    valid: bool = True
    generator_saturated: bool = False
    local_errors: int = Field(0, ge=0, description="connects this machine could not open (descriptors, ports)")
    wall_s: float | None = Field(None, ge=0, allow_inf_nan=False, description="the step's loaded time, warm-up in")
    db_queries: int | None = Field(None, ge=0, description="the database's Questions during the step; None: unread")
    host_busy: float | None = Field(
        None, ge=0, le=1, allow_inf_nan=False, description="share of this machine's CPU busy during the step"
    )
    perfscore_busy: float | None = Field(
        None, ge=0, le=1, allow_inf_nan=False, description="of which perfscore's own (its load generators)"
    )
    requests: int | None = Field(
        None,
        ge=0,
        description="requests answered or failed after the warm-up, errors in; None: not counted (older runs)",
    )
    errors: int | None = Field(
        None, ge=0, description="of which errors (statuses, timeouts, resets); None: not counted"
    )
    warmup_requests: int | None = Field(
        None, ge=0, description="answers during the step's warm-up: not measured, but the app served them"
    )
    connect_errors: int = Field(
        0,
        ge=0,
        description="of the errors, connections the target refused or never accepted: the app served none of "
        "them (0 in runs saved before it was counted)",
    )

    @property
    def sent(self) -> int | None:
        """Every request of the step the app served: warm-up, measured, cut off at the end; not those that
        never got a connection."""
        if self.requests is None:
            return None
        return (self.warmup_requests or 0) + max(self.requests - self.connect_errors, 0) + self.abandoned


class RampSnapshot(Snapshot):
    artifact: ClassVar[str] = "ramp"

    slo_p95_ms: float
    slo_error_rate: float
    steps: list[RampStep] = Field(default_factory=list)
