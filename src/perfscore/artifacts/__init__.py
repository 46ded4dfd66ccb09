"""Artifacts: what the gatherers saw, typed and JSON-serialisable, saved in the Run.

A gatherer does I/O only and returns one snapshot; audits (``perfscore.audits``)
compute every metric from these snapshots with pure functions, so a saved run
can be re-derived by a newer perfscore (``perfscore score run.json``), the way
Lighthouse re-runs its audits on saved artifacts (``-A``).

Add a gatherer: write its snapshot model in a module here, add one field below.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from perfscore.artifacts.assets import AssetsSnapshot
from perfscore.artifacts.cluster import ClusterSnapshot
from perfscore.artifacts.errors import ErrorPagesSnapshot
from perfscore.artifacts.exposure import ExposureSnapshot
from perfscore.artifacts.field import FieldSnapshot
from perfscore.artifacts.field_db import FieldDatabaseSnapshot
from perfscore.artifacts.http import HttpAnswer
from perfscore.artifacts.logs import LogsSnapshot
from perfscore.artifacts.memory import ProcessSnapshot
from perfscore.artifacts.monitoring import MonitoringSnapshot
from perfscore.artifacts.mysql import MySQLSnapshot
from perfscore.artifacts.php import PhpSnapshot
from perfscore.artifacts.ramp import RampSnapshot
from perfscore.artifacts.redis import RedisSnapshot
from perfscore.artifacts.resilience import ResilienceSnapshot
from perfscore.artifacts.slo import SloSnapshot
from perfscore.artifacts.stack import StackSnapshot
from perfscore.artifacts.unloaded import UnloadedSnapshot
from perfscore.artifacts.window import WindowSnapshot


class Artifacts(BaseModel):
    """One snapshot per gatherer; None where the gatherer was skipped or failed (the Run's probes say why)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    mysql: MySQLSnapshot | None = None
    redis: RedisSnapshot | None = None
    memory: ProcessSnapshot | None = None
    monitoring: MonitoringSnapshot | None = None
    assets: AssetsSnapshot | None = None
    errors: ErrorPagesSnapshot | None = None
    logs: LogsSnapshot | None = None
    exposure: ExposureSnapshot | None = None
    php: PhpSnapshot | None = None
    unloaded: UnloadedSnapshot | None = None
    window: WindowSnapshot | None = None
    ramp: RampSnapshot | None = None
    cluster: ClusterSnapshot | None = None
    stack: StackSnapshot | None = None
    resilience: ResilienceSnapshot | None = None  # faults under steady traffic (audit --faults)
    field: FieldSnapshot | None = None  # the access logs' requests (audit --access-log, config field:)
    field_db: FieldDatabaseSnapshot | None = None  # the database over the access logs' period
    slo: SloSnapshot | None = None  # the targets the run is judged by; None: LoanFlow's KPIs (an older run)


ARTIFACT_NAMES: tuple[str, ...] = tuple(Artifacts.model_fields)

__all__ = [
    "ARTIFACT_NAMES",
    "Artifacts",
    "AssetsSnapshot",
    "ClusterSnapshot",
    "ErrorPagesSnapshot",
    "ExposureSnapshot",
    "FieldSnapshot",
    "HttpAnswer",
    "LogsSnapshot",
    "MonitoringSnapshot",
    "MySQLSnapshot",
    "PhpSnapshot",
    "ProcessSnapshot",
    "RampSnapshot",
    "RedisSnapshot",
    "ResilienceSnapshot",
    "SloSnapshot",
    "StackSnapshot",
    "UnloadedSnapshot",
    "WindowSnapshot",
]
