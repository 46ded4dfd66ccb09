"""A stack bigger than one machine: each host's figures from Prometheus, each app node's FPM counters,
each replica's replication state."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class Series(BaseModel):
    """One PromQL query over the window (query_range at the window's exact start and end)."""

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    query: str
    mean: float | None = None
    max: float | None = None
    min: float | None = None
    samples: int = Field(0, ge=0)
    error: str | None = Field(None, description="why there is no figure (no series, Prometheus down …)")


class FpmCounters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str
    accepted_start: int | None = None
    accepted_end: int | None = None
    error: str | None = None

    @property
    def accepted(self) -> int | None:
        if self.accepted_start is None or self.accepted_end is None or self.accepted_end < self.accepted_start:
            return None
        return self.accepted_end - self.accepted_start


class NodeFigures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    role: str
    instance: str
    cpu: Series | None = Field(None, description="share of the host's CPU busy (node_exporter)")
    memory_used: Series | None = Field(None, description="share of the host's memory in use (node_exporter)")
    disk_busy: Series | None = Field(None, description="busiest disk's I/O time share (node_exporter)")
    fpm_rss_mb: Series | None = Field(None, description="mean resident MB per PHP-FPM process (process-exporter)")
    fpm_procs: Series | None = Field(None, description="PHP-FPM processes of the pool (process-exporter)")
    fpm: FpmCounters | None = Field(None, description="the node's own FPM status page, before and after")
    cache_hits: Series | None = Field(
        None, description="cache host: Redis keyspace hits over the window (redis_exporter)"
    )
    cache_misses: Series | None = Field(None, description="cache host: Redis keyspace misses over the window")
    db_questions: Series | None = Field(None, description="database host: statements over the window (mysqld_exporter)")


class ReplicaFigures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    host: str
    port: int
    io_running: bool | None = None
    sql_running: bool | None = None
    seconds_behind: float | None = Field(None, description="Seconds_Behind_Master; None when a thread is stopped")
    replica_gtid: str | None = Field(None, description="gtid_slave_pos: what the replica has applied")
    primary_gtid: str | None = Field(None, description="gtid_binlog_pos of the audited server")
    last_error: str | None = None
    error: str | None = Field(None, description="why the replica could not be read")


class Uptime(BaseModel):
    """What the operators' own probe recorded: the share of its samples that said "up" over a period."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    selector: str
    period: str
    share: Series = Field(description="avg_over_time of the selector over the period, averaged over its series")
    samples: Series = Field(description="count_over_time of the selector over the period, summed")
    first_sample_age_s: Series | None = Field(None, description="how far back the oldest sample in the period is")


class ClusterSnapshot(Snapshot):
    artifact: ClassVar[str] = "cluster"

    window_start: float = Field(description="epoch seconds")
    window_end: float
    prometheus: str | None = Field(None, description="the Prometheus read (URL, no credentials)")
    prometheus_error: str | None = None
    nodes: list[NodeFigures] = Field(default_factory=list)
    replicas: list[ReplicaFigures] = Field(default_factory=list)
    uptime: Uptime | None = Field(None, description="prometheus.uptime over its period, at the window's end")
