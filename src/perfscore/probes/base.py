"""What every probe is. A probe measures; it knows nothing of thresholds, weights or scores.

The audit calls ``begin()`` at the start of the window (to sample counters),
drives nominal traffic for the window, then calls ``end()``, which returns
measurements. Failing to measure is a measurement: ``unavailable`` with the
reason, never a crash and never a silent 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from perfscore.run import Measurement, unavailable

if TYPE_CHECKING:
    from perfscore.config import Config
    from perfscore.load.model import LoadResult


class ProbeUnavailable(Exception):
    """The probe cannot measure at all; the message is the reason shown to the user."""


@dataclass
class AuditContext:
    config: Config
    base_dir: Path
    window_s: float
    window_load: LoadResult | None = None  # nominal traffic during the window, once it ran
    window_error: str | None = None
    notes: list[str] = field(default_factory=list)


class Probe:
    name: ClassVar[str]
    metrics: ClassVar[tuple[str, ...]]
    after_window: ClassVar[bool] = False  # runs after the window (e.g. a load ramp), not around it
    local: ClassVar[bool] = False  # measures this machine, not the target: cannot prove the target reachable

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx

    def not_configured(self) -> str | None:
        """A reason when the config gives this probe nothing to measure."""
        return None

    def begin(self) -> None:
        """Sample counters at the start of the window. May raise ProbeUnavailable."""

    def end(self) -> list[Measurement]:
        raise NotImplementedError

    def all_unavailable(self, reason: str) -> list[Measurement]:
        return [unavailable(m, reason, self.name) for m in self.metrics]

    def measured(
        self,
        metric: str,
        value: float | bool,
        unit: str = "",
        *,
        low_confidence: str | None = None,
        evidence: dict[str, Any] | None = None,
        **more: Any,
    ) -> Measurement:
        return Measurement(
            metric=metric,
            value=value,
            unit=unit,
            probe=self.name,
            low_confidence=low_confidence,
            evidence={**(evidence or {}), **more},
        )

    def unavailable(self, metric: str, reason: str) -> Measurement:
        return unavailable(metric, reason, self.name)
