"""The nominal traffic the audit drove during its window."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from perfscore.artifacts.base import Snapshot
from perfscore.load.model import LoadResult


class WindowSnapshot(Snapshot):
    artifact: ClassVar[str] = "window"

    load: LoadResult | None = None
    error: str | None = Field(None, description="why no traffic was driven")
    skipped: bool = Field(False, exclude=True, description="no HTTP target: the session reports the phase skipped")
