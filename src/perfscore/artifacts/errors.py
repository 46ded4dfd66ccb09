"""What the error-page gatherer fetched: an unknown path and malformed variants of the endpoints."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.http import HttpAnswer


class ErrorPage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    what: str
    answer: HttpAnswer


class ErrorPagesSnapshot(Snapshot):
    artifact: ClassVar[str] = "errors"

    not_found_path: str
    pages: list[ErrorPage]  # the first is the unknown path
