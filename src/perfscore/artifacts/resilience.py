"""Faults injected under steady traffic, and what the traffic saw second by second (``audit --faults``).

The session records; the audits judge (steady state, recovery time, graceful degradation) from these
seconds, so a saved run re-derives the same verdict.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot

MAX_SECONDS = 900


class Second(BaseModel):
    """The requests sent in one second of steady traffic (t: seconds since the fault began; < 0 before)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    t: int
    requests: int = Field(ge=0)
    errors: int = Field(0, ge=0)
    p95_ms: float | None = None


class FaultResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    kind: Literal["command", "pause", "kill"]
    degrades: bool = False
    started_at: float = Field(description="unix time the fault began (its second t = 0)")
    # The marks below count seconds since the fault began, in the order they happen.
    returned_s: float | None = Field(
        None,
        description="when the fault was in place: its command returned (or was cut), the processes were "
        "stopped or killed; none when it could not run (and in runs saved before this mark)",
    )
    held_s: float | None = Field(
        None, description="how long it was then held in place before its undo began (hold_s; a pause's duration)"
    )
    undo_started_s: float | None = Field(None, description="when its undo (command or SIGCONT) began")
    undone_s: float | None = Field(None, description="when its undo finished (also with nothing to undo)")
    fault_s: float = Field(
        0.0, description="when the wait for recovery began: the fault over and undone (a cut command: at its bound)"
    )
    cut: bool = Field(False, description="the fault command outran its bound and was killed")
    waited_s: float = Field(0.0, description="how long the traffic ran after the fault, waiting for recovery")
    steady_s: int = Field(3, description="consecutive steady seconds that count as recovered")
    seconds: list[Second] = Field(default_factory=list, max_length=MAX_SECONDS)
    errors_by_endpoint: dict[str, int] = Field(default_factory=dict, description="failures from the fault on")
    processes: int | None = Field(None, description="pause/kill: the processes the pattern matched")
    notes: list[str] = Field(default_factory=list, max_length=20)
    error: str | None = Field(None, description="why the fault could not run")


class ResilienceSnapshot(Snapshot):
    artifact: ClassVar[str] = "resilience"

    rate: float = Field(description="requests/s of steady traffic")
    rate_basis: str | None = Field(None, description="where the rate came from (the config, or the measured capacity)")
    slo_p95_ms: float = Field(description="a steady second: no more errors than the SLO allows, p95 within it")
    slo_error_rate: float
    faults: list[FaultResult] = Field(default_factory=list)
