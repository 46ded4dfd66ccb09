"""A rubric against the audit registry: which metrics agree, which are orphans on either side.

A unit that differs from the audit's is an error (the rubric's thresholds are
in the wrong unit); a rubric metric no audit produces, or an audit the rubric
ignores, is a warning shown by ``perfscore rubric validate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from perfscore.rubric.model import Rubric


@dataclass(frozen=True)
class RegistryCheck:
    unit_errors: list[tuple[str, str, str]] = field(default_factory=list)  # (metric, rubric unit, audit unit)
    no_audit: list[str] = field(default_factory=list)  # rubric metrics no audit produces
    unscored: list[str] = field(default_factory=list)  # audit metrics the rubric ignores


def check(rubric: Rubric) -> RegistryCheck:
    from perfscore.audits import REGISTRY

    units = [
        (mid, m.unit, REGISTRY[mid].unit)
        for mid, m in rubric.metrics.items()
        if mid in REGISTRY and m.unit and m.unit != REGISTRY[mid].unit
    ]
    return RegistryCheck(
        unit_errors=units,
        no_audit=[mid for mid in rubric.metrics if mid not in REGISTRY],
        unscored=[mid for mid in REGISTRY if mid not in rubric.metrics],
    )
