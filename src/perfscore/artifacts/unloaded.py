"""Each GET endpoint requested alone, one after the other, before the window's traffic; and a static file
of the same server timed the same way (what a page served from a cache would cost at least)."""

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
    # What the answer was: empty/None in runs saved before perfscore compared the repeats' bodies.
    content_type: str = Field("", max_length=200)
    content_encoding: str = Field("", max_length=100, description="as sent; '' for none (identity)")
    body_bytes: int = Field(0, ge=0, description="the decoded body's size as read (up to the 2 MB fetch limit)")
    sent_bytes: int = Field(0, ge=0, description="the body as sent: bytes on the wire, or Content-Length if larger")
    digest: str = Field("", max_length=64, description="sha256 of the decoded body as read, exactly, nothing ignored")
    set_cookie: list[str] = Field(default_factory=list, max_length=20, description="cookie names set (never values)")
    vary: str = Field("", max_length=200)
    cache_control: str = Field("", max_length=200)
    validators: list[str] = Field(default_factory=list, description="etag / last-modified, when sent")
    cache_marker: str | None = Field(None, max_length=120, description="a page-cache plugin's mark in the body")


class EndpointSeries(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    path: str
    url: str = ""
    credentials: bool = Field(False, description="sent with a Cookie, Authorization or API-key header: not anonymous")
    repeats: list[Repeat] = Field(default_factory=list)
    difference: str | None = Field(None, max_length=300, description="where the first changed body differs")
    error: str | None = None


class UnloadedSnapshot(Snapshot):
    artifact: ClassVar[str] = "unloaded"

    endpoints: list[EndpointSeries] = Field(default_factory=list)
    static: EndpointSeries | None = Field(None, description="a static file of the same server, timed alike")
    static_note: str | None = Field(None, description="why no static file was timed")
