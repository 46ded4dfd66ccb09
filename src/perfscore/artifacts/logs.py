"""What the log gatherer read: what the app's error logs gained during the window (on this machine).

Messages are templates with their counts (``perfscore.logevents``), never the raw lines: log lines carry
personal data (e-mail addresses, ids, request values) that a saved run would take into CI artifacts.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class LogMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    message: str = Field(description="the event's template: numbers, ids, quoted values, e-mails as placeholders")
    count: int = Field(ge=1)


class LogFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str
    bytes_written: int = Field(0, ge=0, description="bytes the file gained during the window")
    lines: list[str] = Field(
        default_factory=list, description="runs before message templates only: the window's raw lines"
    )
    lines_total: int = Field(0, ge=0, description="lines written during the window")
    events_total: int = Field(0, ge=0, description="events (a multi-line PHP fatal is one) during the window")
    messages: list[LogMessage] = Field(default_factory=list, description="the most frequent templates, counted")
    rotated: bool = Field(False, description="the file was replaced or truncated during the window")
    error: str | None = Field(None, description="why the file could not be read")


class LogsSnapshot(Snapshot):
    artifact: ClassVar[str] = "logs"

    files: list[LogFile] = Field(default_factory=list)
