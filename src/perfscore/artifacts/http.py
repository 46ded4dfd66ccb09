"""One HTTP answer as a gatherer saw it (bounded: bodies are cut at BODY_LIMIT)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

BODY_LIMIT = 64 * 1024  # kept of most pages; error pages and /metrics keep up to the fetch limit (2 MB)


class HttpAnswer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    url: str
    status: int = Field(description="HTTP status; 0 when no answer came (see error)")
    headers: dict[str, str] = Field(default_factory=dict, description="lower-case names")
    body: str = Field("", description="decoded text, cut at a line end when longer than the kept limit")
    body_bytes: int = Field(0, description="size of the whole (decoded) body as fetched")
    wire_bytes: int | None = Field(None, description="body bytes as sent, before gzip/deflate was undone")
    truncated: bool = Field(False, description="the body above is the start of a longer one")
    ttfb_ms: float = 0.0
    total_ms: float = 0.0
    error: str | None = Field(None, description="why no answer came")
