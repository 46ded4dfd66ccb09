"""A rubric against the audit registry: the audit defines a metric, the rubric scores it.

Before validation, each metric an audit produces takes its title, unit and
category from the audit (the rubric may override the title only). After it,
these are errors (``load_rubric`` raises them with the file and line): a metric
no audit produces, unless the rubric says ``audited: false`` (a metric only
saved or imported runs carry, declared with its own title, unit and category);
a unit or category that differs from the audit's. An audit the rubric ignores
is a note shown by ``perfscore rubric validate``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from perfscore.rubric.model import Rubric

FROM_AUDIT = ("title", "unit", "category")


@dataclass(frozen=True)
class RegistryCheck:
    unit_errors: list[tuple[str, str, str]] = field(default_factory=list)  # (metric, rubric unit, audit unit)
    category_errors: list[tuple[str, str, str]] = field(default_factory=list)  # (metric, rubric's, audit's)
    no_audit: list[str] = field(default_factory=list)  # rubric metrics no audit produces
    unexpected: list[str] = field(default_factory=list)  # of those, the ones not marked ``audited: false``
    audited_anyway: list[str] = field(default_factory=list)  # marked ``audited: false`` but an audit produces it
    unscored: list[str] = field(default_factory=list)  # audit metrics the rubric ignores

    @property
    def errors(self) -> bool:
        return bool(self.unit_errors or self.category_errors or self.unexpected or self.audited_anyway)


def fill_from_audits(data: Any) -> list[str]:
    """Give each audited metric of a raw rubric document the title, unit and category its audit declares,
    where the rubric does not say them (in place; anything malformed is left for validation to report).

    Returns the metrics no audit produces that are not marked ``audited: false``: errors, reported
    before validation, which would only say that their title and category are missing."""
    from perfscore.audits import REGISTRY

    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict):
        return []
    unknown = []
    for mid, m in metrics.items():
        spec = REGISTRY.get(mid) if isinstance(mid, str) else None
        declared_external = isinstance(m, dict) and m.get("audited") is False
        if spec is None:
            if not declared_external:
                unknown.append(str(mid))
            continue
        if isinstance(m, dict):  # even if marked audited: false: that mistake is reported after validation
            for key in FROM_AUDIT:
                m.setdefault(key, getattr(spec, key))
    return unknown


def check(rubric: Rubric) -> RegistryCheck:
    from perfscore.audits import REGISTRY

    audited = {mid: m for mid, m in rubric.metrics.items() if mid in REGISTRY}
    return RegistryCheck(
        unit_errors=[(mid, m.unit, REGISTRY[mid].unit) for mid, m in audited.items() if m.unit != REGISTRY[mid].unit],
        category_errors=[
            (mid, m.category, REGISTRY[mid].category)
            for mid, m in audited.items()
            if m.category != REGISTRY[mid].category
        ],
        no_audit=[mid for mid in rubric.metrics if mid not in REGISTRY],
        unexpected=[mid for mid, m in rubric.metrics.items() if mid not in REGISTRY and m.audited],
        audited_anyway=[mid for mid, m in audited.items() if not m.audited],
        unscored=[mid for mid in REGISTRY if mid not in rubric.metrics],
    )


def did_you_mean(mid: str) -> str:
    from perfscore.audits import REGISTRY

    close = difflib.get_close_matches(mid, list(REGISTRY), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
