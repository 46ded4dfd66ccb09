"""Each GET endpoint requested alone, one after the other, before the window's traffic."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class Repeat(BaseModel):
    """One request of a repeated, identical series."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    status: int = Field(0, description="0: no answer")
    ttfb_ms: float = Field(0.0, ge=0, allow_inf_nan=False)
    cache_headers: dict[str, str] = Field(
        default_factory=dict, description="the answer's cache headers (X-Cache, Age, CF-Cache-Status …), cut short"
    )


class EndpointSeries(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    path: str
    repeats: list[Repeat] = Field(default_factory=list)
    error: str | None = None


class UnloadedSnapshot(Snapshot):
    artifact: ClassVar[str] = "unloaded"

    endpoints: list[EndpointSeries] = Field(default_factory=list)
