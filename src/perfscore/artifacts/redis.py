"""What the Redis gatherer saw: INFO around the window, CONFIG, round trips."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from perfscore.artifacts.base import Snapshot


class RedisSnapshot(Snapshot):
    artifact: ClassVar[str] = "redis"

    window_s: float = Field(0.0, description="seconds between the two INFO samples")
    info_before: dict[str, Any] = Field(default_factory=dict, description="INFO all at the window start")
    info_after: dict[str, Any] | None = Field(None, description="INFO all at the window end; None if Redis went away")
    after_error: str | None = Field(None, description="why INFO failed at the window end")
    latency_monitor_threshold_ms: int | None = None
    latency_monitor_error: str | None = None
    ping_ms: list[float] = Field(default_factory=list)
    slowlog_len: int | None = None
    extras_error: str | None = None
