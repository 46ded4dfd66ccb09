"""What the assets gatherer fetched: the page's same-origin assets and timed page loads."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.http import HttpAnswer


class AssetsSnapshot(Snapshot):
    artifact: ClassVar[str] = "assets"

    page_url: str
    page_ttfb_ms: float = 0.0
    page: HttpAnswer | None = Field(None, description="the HTML page's answer, headers and sizes only")
    assets: list[HttpAnswer] = Field(default_factory=list, description="headers only; bodies are not kept")
    page_loads_ms: list[float] = Field(default_factory=list, description="HTML then its assets, 6 at a time")
