"""What every gatherer is: I/O only. It samples at the window's start, again at its end, and returns a snapshot.

A gatherer knows nothing of metrics, thresholds or scores: it returns a typed,
JSON-serialisable snapshot (``perfscore.artifacts``) and the audits compute
the metrics from it. Failing to gather is reported with the reason
(``ProbeUnavailable``), never a crash and never a silent 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from perfscore.artifacts.base import Snapshot
    from perfscore.config import Config


class ProbeUnavailable(Exception):
    """The gatherer cannot gather at all; the message is the reason shown to the user."""


@dataclass(frozen=True)
class GatherContext:
    config: Config
    base_dir: Path
    window_s: float


class Gatherer:
    name: ClassVar[str]  # the Artifacts field it fills
    local: ClassVar[bool] = False  # reads this machine, not the target: cannot prove the target reachable
    # Samples counters the app's requests move (statements, log lines, FPM's accepted requests): it begins
    # after the other gatherers have begun and samples (``sample``) before they end, so that their own
    # requests to the app (single-user series, error and exposure probes) fall outside its window.
    reads_counters: ClassVar[bool] = False
    # A long read of this machine's files (access logs, a slow log file): CPU-bound Python that would hold the
    # interpreter while the other gatherers time things (a configured query's runs, a page's answer), so its
    # ``end`` runs once theirs have ended.
    after_others: ClassVar[bool] = False

    def __init__(self, ctx: GatherContext) -> None:
        self.ctx = ctx

    def not_configured(self) -> str | None:
        """A reason when the config gives this gatherer nothing to gather."""
        return None

    def begin(self) -> None:
        """Sample at the start of the window. May raise ProbeUnavailable."""

    def sample(self) -> None:
        """Read the end-of-window counters (``reads_counters`` gatherers), before the other gatherers' ``end``
        sends its requests; ``end`` then builds the snapshot. Must not raise: ``end`` reports a failure."""

    def end(self) -> Snapshot:
        raise NotImplementedError

    def counting(self) -> bool:
        """Whether ``begin`` sampled a server's counters, so that the window is worth waiting for even
        without traffic (a database's status, Redis INFO, PHP-FPM's status page)."""
        return False

    def abort(self) -> None:
        """Stop a read in progress: called from another thread when ``begin`` or ``end`` overran its
        deadline, so the thread ends instead of reading on (a hostile server can send forever)."""

    @property
    def target_headers(self) -> dict[str, str]:
        """What every request to the app carries: the config's target headers and cookies (a session)."""
        return self.ctx.config.target.request_headers()

    @property
    def http_timeout(self) -> float:
        return min(10.0, self.ctx.config.audit.probe_timeout_s)
