"""The gatherers an audit runs around its window, in report order. Add one: write a module, list it here,
and give its snapshot a field in ``perfscore.artifacts.Artifacts``."""

from __future__ import annotations

from perfscore.gatherers.assets import AssetsGatherer
from perfscore.gatherers.base import GatherContext, Gatherer, ProbeUnavailable
from perfscore.gatherers.cluster import ClusterGatherer
from perfscore.gatherers.errors import ErrorPagesGatherer
from perfscore.gatherers.exposure import ExposureGatherer
from perfscore.gatherers.field import FieldGatherer
from perfscore.gatherers.field_db import FieldDatabaseGatherer
from perfscore.gatherers.logs import LogsGatherer
from perfscore.gatherers.memory import MemoryGatherer
from perfscore.gatherers.monitoring import MonitoringGatherer
from perfscore.gatherers.mysql import MySQLGatherer
from perfscore.gatherers.php import PhpGatherer
from perfscore.gatherers.redis import RedisGatherer
from perfscore.gatherers.stack import StackGatherer
from perfscore.gatherers.unloaded import UnloadedGatherer

GATHERERS: tuple[type[Gatherer], ...] = (
    MySQLGatherer,
    RedisGatherer,
    MemoryGatherer,
    PhpGatherer,
    MonitoringGatherer,
    UnloadedGatherer,
    AssetsGatherer,
    ErrorPagesGatherer,
    ExposureGatherer,
    LogsGatherer,
    FieldGatherer,
    FieldDatabaseGatherer,
    ClusterGatherer,
    StackGatherer,
)

__all__ = ["GATHERERS", "GatherContext", "Gatherer", "ProbeUnavailable"]
