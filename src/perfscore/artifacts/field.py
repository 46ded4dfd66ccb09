"""Field data: what real users got, read from the web server's access logs (``perfscore field``,
``audit --access-log``), beside the audit's own lab traffic (PageSpeed Insights' field and lab halves)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot
from perfscore.loadmodel import Percentiles


class RouteFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    route: str
    method: str
    sample: str = Field("", description="the first path of the route seen (a real URL to load)")
    requests: int
    errors_5xx: int
    errors_4xx: int
    latency_ms: Percentiles | None = Field(None, description="$request_time, when the format has it")
    upstream_ms: Percentiles | None = Field(None, description="$upstream_response_time: the app's own share")

    @property
    def error_rate(self) -> float:
        return self.errors_5xx / self.requests if self.requests else 0.0


class FieldSummary(BaseModel):
    """What the access log says over its period."""

    model_config = ConfigDict(frozen=True)

    first_ts: float | None = None
    last_ts: float | None = None
    lines: int = 0
    malformed: int = 0
    malformed_examples: list[str] = Field(default_factory=list)
    requests: int = Field(0, description="the users' requests: health checks, bots and perfscore left out")
    health_checks: int = 0
    bots: int = 0
    own: int = Field(0, description="perfscore's own requests (its user agent)")
    assets: int = Field(0, description="static files among the requests")
    errors_5xx: int = 0
    errors_4xx: int = 0
    timed: int = Field(0, description="requests with a $request_time")
    latency_ms: Percentiles | None = None
    peak_rps: int = Field(0, description="the busiest second's requests")
    peak_rps_at: float | None = None
    peak_minute: int = Field(0, description="the busiest minute's requests")
    peak_minute_at: float | None = None
    concurrency: float | None = Field(
        None, description="requests in flight in the busiest minute, by Little's law: its rate x mean $request_time"
    )
    routes: list[RouteFigures] = Field(default_factory=list, description="by requests, most first")
    other_routes: int = Field(0, description="routes past the first MAX_ROUTES, counted together")

    @property
    def error_rate(self) -> float:
        return self.errors_5xx / self.requests if self.requests else 0.0

    @property
    def period_s(self) -> float:
        return (self.last_ts - self.first_ts) if self.first_ts is not None and self.last_ts is not None else 0.0


class FieldSnapshot(Snapshot):
    """The access logs over their period, and which half (field or lab) the config has score response time
    and errors."""

    artifact: ClassVar[str] = "field"

    logs: list[str] = Field(description="the access logs read (paths)")
    since_s: float | None = Field(None, description="only the requests of the last since_s seconds before the audit")
    scores: Literal["field", "lab"] = Field("field", description="which half scores response time and errors")
    summary: FieldSummary
    error: str | None = Field(None, description="why the logs could not be read to their end")
