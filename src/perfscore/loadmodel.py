"""Typed inputs and outputs of a load run: the spec the engines take, the result every engine and import gives.

Below both the load engines (``perfscore.load``) and the snapshots (``perfscore.artifacts``): the result is
part of an audit window's snapshot, the spec is built from the config. It imports nothing of perfscore.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


# Each endpoint keeps two latency histograms (≈190 KB each) per worker: a mix is a handful of pages.
MAX_ENDPOINTS = 100
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)


def no_controls(value: str, what: str) -> str:
    """CR or LF in a request line or header would smuggle a header of its own into every request."""
    if any(ord(ch) < 32 and ch != "\t" or ord(ch) == 127 for ch in value):
        raise ValueError(f"{what} must not contain control characters (CR, LF …)")
    return value


class Endpoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: str = Field("", max_length=200)
    path: str = Field("/", max_length=8192)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = "GET"
    weight: float = Field(1.0, gt=0, le=1_000_000)
    headers: dict[str, str] = Field(default_factory=dict, max_length=100)
    body: str | None = Field(None, max_length=1024 * 1024)
    expect_status: list[int] = Field(default_factory=list, description="statuses that are not errors")

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("path must start with / (the base URL's host is the only host perfscore loads)")
        if any(ch.isspace() for ch in v):
            raise ValueError("path must not contain spaces or control characters (encode them as %20 …)")
        return no_controls(v, "path")

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if not _TOKEN.match(name):
                raise ValueError(f"header name {name[:40]!r} is not a valid HTTP header name")
            no_controls(value, f"header {name}")
        return v

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.path}"


class LoadSpec(BaseModel):
    """One load run. Closed model when ``rate`` is None, open model otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str
    port: int = Field(ge=1, le=65535)
    host_header: str
    tls: bool = Field(False, description="HTTPS: TLS 1.2/1.3 with SNI, keep-alive")
    insecure: bool = Field(False, description="HTTPS without certificate verification")
    endpoints: list[Endpoint] = Field(min_length=1, max_length=MAX_ENDPOINTS)
    connections: int = Field(64, ge=1, le=20000)
    duration_s: float = Field(10.0, gt=0, le=3600)
    warmup_s: float = Field(0.0, ge=0, le=600)
    rate: float | None = Field(None, gt=0, le=1_000_000, description="requests per second (open model)")
    max_requests: int | None = Field(None, ge=1)
    think_time_s: float = Field(0.0, ge=0, le=60)
    timeout_s: float = Field(10.0, gt=0, le=300)
    user_agent: Annotated[str, AfterValidator(lambda v: no_controls(v, "user_agent"))] = "perfscore-load"
    workers: int = Field(1, ge=1, le=64, description="generator processes")
    max_backlog: int = Field(1000, ge=1, description="queued arrivals per connection before they are dropped")


Ms = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]


class Percentiles(BaseModel):
    model_config = ConfigDict(frozen=True)

    mean: Ms
    p50: Ms
    p90: Ms
    p95: Ms
    p99: Ms | None = Field(description="None: the imported file holds no p99 (a k6 summary without p(99))")
    p999: Ms | None = Field(description="None: the imported file holds no p99.9")
    max: Ms


class EndpointResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    requests: Count
    errors: Count
    latency_ms: Percentiles | None = Field(description="successful responses only")
    status_counts: dict[str, int]
    error_latency_ms: Percentiles | None = Field(None, description="failed responses, timed apart")


class GeneratorHealth(BaseModel):
    model_config = ConfigDict(frozen=True)

    cpu_percent: float = Field(description="generator CPU per worker process, percent of one core (max of workers)")
    send_lag_p99_ms: float = Field(description="how late the event loop ran timers (p99)")
    saturated: bool
    workers: int


class LoadResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: str
    model: Literal["closed", "open"]
    connections: int
    rate: float | None
    duration_s: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    requests: Count
    errors: Count
    error_rate: Annotated[float, Field(ge=0, le=1)]
    rps: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    latency_ms: Percentiles | None = Field(description="successful responses only (2xx/3xx or expect_status)")
    error_latency_ms: Percentiles | None = Field(None, description="failed responses, timed apart")
    status_counts: dict[str, int]
    timeouts: Count
    connect_errors: Count
    resets: Count
    dropped: Count
    local_errors: Count = Field(
        0, description="connects this machine could not make (out of file descriptors or ports): the generator's fault"
    )
    unfinished: Count = Field(
        0,
        description="requests still waiting at the deadline past the request timeout, or after the server had stopped "
        "answering: counted as timeouts",
    )
    abandoned: Count = Field(
        0,
        description="requests in flight at the end while the server still answered (cut off by the run's end): "
        "neither success nor error",
    )
    abandoned_late: Count = Field(
        0, description="of which had already waited longer than every answer served: slower than any latency figure"
    )
    warmup_requests: Count = Field(
        0, description="responses during the warm-up: not measured, but the app served them (counter windows)"
    )
    bytes_read: Count = Field(0, description="bytes received after the warm-up (heads and bodies, as sent)")
    warmup_s: float = Field(0.0, ge=0, allow_inf_nan=False, description="warm-up before the measurement, not counted")
    url: str | None = Field(None, description="the URL loaded (or the config's base URL for a mix)")
    latency_distribution: list[tuple[float, float]] = Field(
        default_factory=list, description="(percentile, ms) of successful responses, p50 to p100"
    )
    latency_buckets: list[tuple[float, float, int]] = Field(
        default_factory=list, description="HdrHistogram's percentile distribution: (ms, percentile, count up to it)"
    )
    endpoints: dict[str, EndpointResult]
    generator: GeneratorHealth | None = Field(
        description="the generator's own health; None for results imported from another tool's file"
    )
    source: str | None = Field(
        None, description="where the figures come from when not perfscore's engine: the tool and its file"
    )
    valid: bool
    notes: list[str] = Field(default_factory=list)
