"""The probes an audit runs, in report order. Add a probe: write a module, list it here."""

from __future__ import annotations

from perfscore.probes.assets import StaticAssetsProbe
from perfscore.probes.base import AuditContext, Probe, ProbeUnavailable
from perfscore.probes.errors import ErrorPagesProbe
from perfscore.probes.memory import MemoryProbe
from perfscore.probes.monitoring import MonitoringProbe
from perfscore.probes.mysql import MySQLProbe
from perfscore.probes.redis import RedisProbe
from perfscore.probes.response import ResponseTimeProbe
from perfscore.probes.scalability import ScalabilityProbe

PROBES: tuple[type[Probe], ...] = (
    MySQLProbe,
    RedisProbe,
    MemoryProbe,
    MonitoringProbe,
    StaticAssetsProbe,
    ErrorPagesProbe,
    ResponseTimeProbe,
    ScalabilityProbe,
)

__all__ = ["PROBES", "AuditContext", "Probe", "ProbeUnavailable"]
