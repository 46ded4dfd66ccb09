"""Audits: pure functions from artifacts to measurements, one module per gatherer, one function per metric.

Find a metric's code by its id: ``grep -rn '"<metric id>"' src/perfscore`` has one hit, its ``@audit``.
``derive(run)`` recomputes every measurement of a saved run from its artifacts.
"""

from __future__ import annotations

from perfscore.audits import (
    assets,
    cluster,
    errors,
    exposure,
    field,
    field_db,
    host,
    logs,
    memory,
    monitoring,
    mysql,
    php,
    redis,
    resilience,
    response,
    scalability,
    unloaded,
)
from perfscore.audits.base import REGISTRY, AuditSpec, Outcome
from perfscore.audits.derive import derive

MODULES = (
    mysql,
    redis,
    memory,
    php,
    host,
    monitoring,
    assets,
    errors,
    exposure,
    response,
    unloaded,
    scalability,
    logs,
    cluster,
    resilience,
    field,
    field_db,
)

__all__ = ["MODULES", "REGISTRY", "AuditSpec", "Outcome", "derive"]
