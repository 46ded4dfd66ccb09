"""Load results other tools wrote, read as perfscore's own: one reader per tool, one file each.

``perfscore import jmeter|k6|locust FILE`` scores them alone; ``perfscore audit --load-results FILE``
uses them in place of the window's traffic (and of the ramp, when the file holds steps) while the
probes sample the servers. Every reader streams: a results file of any size costs constant memory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from perfscore.artifacts.ramp import RampSnapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.errors import PerfscoreError
from perfscore.imports import jmeter, k6, locust
from perfscore.imports.base import Imported, Progress

# reader(paths, progress, since_ms): samples that started before since_ms (epoch ms) are left out.
READERS: dict[str, Callable[[list[Path], Progress | None, float | None], Imported]] = {
    "jmeter": jmeter.read,
    "k6": k6.read,
    "locust": locust.read,
}


def read_results(
    tool: str, paths: list[Path], progress: Progress | None = None, since: float | None = None
) -> Imported:
    """``since`` (epoch s): leave out samples that started before it (a JTL that JMeter appends to holds
    earlier runs too); files that hold only aggregates (k6 summary, Locust) are one run each."""
    reader = READERS.get(tool.lower())
    if reader is None:
        raise PerfscoreError(f"unknown load tool {tool!r}; choose {', '.join(READERS)}.")
    return reader(paths, progress, since * 1000 if since else None)


def guess_tool(path: Path) -> str:
    """The tool that wrote ``path``, from its name and first bytes (for ``audit --load-results``)."""
    name = path.name.lower()
    if name.endswith((".jtl", ".xml")):
        return "jmeter"
    if name.endswith(("_stats.csv", "_stats_history.csv")) or (
        not path.exists() and path.with_name(path.name + "_stats.csv").exists()
    ):
        return "locust"
    if name.endswith((".json", ".ndjson", ".jsonl")):
        return "k6"
    try:
        with path.open("rb") as fh:
            head = fh.read(200)
    except OSError:
        head = b""
    if head.startswith(b"timeStamp,") or head.lstrip().startswith(b"<"):
        return "jmeter"
    raise PerfscoreError(f"{path}: cannot tell which tool wrote it; give --load-tool jmeter, k6 or locust.")


def window_of(imp: Imported) -> WindowSnapshot:
    return WindowSnapshot(load=imp.load)


def ramp_of(imp: Imported, slo_p95_ms: float, slo_error_rate: float) -> RampSnapshot | None:
    if not imp.steps:
        return None
    return RampSnapshot(slo_p95_ms=slo_p95_ms, slo_error_rate=slo_error_rate, steps=imp.steps)


def started(imp: Imported) -> datetime:
    if imp.started_at and 946_684_800 <= imp.started_at <= 4_102_444_800:  # 2000-2100
        return datetime.fromtimestamp(imp.started_at, UTC)
    return datetime.now(UTC)


__all__ = ["READERS", "Imported", "guess_tool", "ramp_of", "read_results", "started", "window_of"]
