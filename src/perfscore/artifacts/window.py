"""The nominal traffic the audit drove during its window."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot
from perfscore.loadmodel import LoadResult


class DiskUsage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    busy_ms: float = Field(ge=0, description="time the device had I/O in flight (Linux io_ticks)")
    read_bytes: int = Field(0, ge=0)
    write_bytes: int = Field(0, ge=0)


class HostUsage(BaseModel):
    """This machine's CPU and disks, sampled right before and after the window's traffic."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    wall_s: float = Field(ge=0)
    cores: int = Field(ge=1, description="logical CPUs")
    busy_cpu_s: float = Field(ge=0, description="CPU seconds all processes used (user, nice, system, irq)")
    own_cpu_s: float = Field(ge=0, description="CPU seconds perfscore and its load generators used")
    disks: dict[str, DiskUsage] | None = Field(None, description="None: the OS reports no per-disk busy time")

    @property
    def busy_share(self) -> float:
        """The share of all cores the whole machine was busy (perfscore included)."""
        return round(min(1.0, self.busy_cpu_s / (self.wall_s * self.cores)), 4) if self.wall_s > 0 else 0.0

    @property
    def own_share(self) -> float:
        return round(min(1.0, self.own_cpu_s / (self.wall_s * self.cores)), 4) if self.wall_s > 0 else 0.0


class WindowSnapshot(Snapshot):
    artifact: ClassVar[str] = "window"

    load: LoadResult | None = None
    host: HostUsage | None = Field(None, description="this machine's CPU and disks during the traffic")
    error: str | None = Field(None, description="why no traffic was driven")
    concurrent: bool = Field(
        True, description="false: the load (another tool's file) ran before the window, not while counters were read"
    )
    skipped: bool = Field(False, exclude=True, description="no HTTP target: the session reports the phase skipped")
