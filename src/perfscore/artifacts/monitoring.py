"""What the monitoring gatherer fetched: health, metrics, status pages and one page's headers."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.http import HttpAnswer


class MonitoringSnapshot(Snapshot):
    artifact: ClassVar[str] = "monitoring"

    health: HttpAnswer | None = Field(None, description="None: no health endpoint configured")
    metrics: HttpAnswer | None = Field(None, description="None: no metrics endpoint configured")
    nginx_status: HttpAnswer | None = None
    fpm_status_path: str | None = None
    fpm_before: HttpAnswer | None = Field(None, description="PHP-FPM status (JSON) at the window start")
    fpm_after: HttpAnswer | None = None
    page: HttpAnswer | None = Field(None, description="a configured page, for its trace headers")
