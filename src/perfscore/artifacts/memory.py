"""What the process gatherer saw on this machine: worker RSS around the window, system memory."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from perfscore.artifacts.base import Snapshot

Bytes = Annotated[int, Field(ge=0)]


class ProcessSnapshot(Snapshot):
    artifact: ClassVar[str] = "memory"

    patterns: list[str] = Field(default_factory=list, description="command-line patterns of the app workers")
    settle_s: float = Field(0.0, description="when, into the window, the 'before' sample was taken")
    rss_before: dict[int, Bytes] = Field(default_factory=dict, description="pid -> RSS bytes, settled sample")
    rss_after: dict[int, Bytes] = Field(default_factory=dict, description="pid -> RSS bytes at the window end")
    pss_mb: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=list, description="worker PSS, where the OS reports it"
    )
    database_rss_mb: Bytes = 0
    cache_rss_mb: Bytes = 0
    memory_total_mb: Bytes = 0
    memory_available_mb: Bytes = 0
    swap_used_mb: Bytes = 0
    app_parents: dict[str, int] = Field(
        default_factory=dict, description="the app workers' master (name [pid]) and pool -> workers under each"
    )
    serving: list[str] = Field(
        default_factory=list, description="the PHP-FPM master and pool behind the target's port (from sockets)"
    )
    not_serving: dict[str, int] = Field(
        default_factory=dict, description="matched workers' master and pool that do not serve the target -> workers"
    )
    servers: dict[str, int] = Field(
        default_factory=dict, description="database/cache: how many top-level processes their patterns match"
    )
    cpu_s: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default_factory=dict, description="app/database/cache: CPU seconds their processes used, begin to end"
    )
