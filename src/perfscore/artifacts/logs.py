"""What the log gatherer read: the lines the app's error logs gained during the window (on this machine)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class LogFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str
    bytes_written: int = Field(0, ge=0, description="bytes the file gained during the window")
    lines: list[str] = Field(default_factory=list, description="the window's lines, each cut at 500 characters")
    lines_total: int = Field(0, ge=0, description="lines written during the window, kept or not")
    rotated: bool = Field(False, description="the file was replaced or truncated during the window")
    error: str | None = Field(None, description="why the file could not be read")


class LogsSnapshot(Snapshot):
    artifact: ClassVar[str] = "logs"

    files: list[LogFile] = Field(default_factory=list)
