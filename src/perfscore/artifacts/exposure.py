"""What the exposure gatherer found: which never-public paths answered with the real file.

No file content is kept: a served ``.env`` holds the very secrets a saved run must never carry. The
gatherer keeps, for each path, the answer's status, type, size, whether it is the site's fallback page,
and which recognisers matched (``perfscore.gatherers.exposure.RECOGNISERS``).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class PathCheck(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str
    source: str = Field("list", description="list: the fixed list; page: linked from an audited page")
    status: int = Field(0, description="0: no answer")
    content_type: str = ""
    bytes: int = Field(0, ge=0)
    fallback: bool = Field(False, description="the body is the site's answer to a path that cannot exist")
    kinds: list[str] = Field(default_factory=list, description="what the content was recognised as")
    error: str | None = None


class ExposureSnapshot(Snapshot):
    artifact: ClassVar[str] = "exposure"

    fallback_status: int = Field(0, description="the status of a random path that cannot exist")
    checks: list[PathCheck] = Field(default_factory=list)
