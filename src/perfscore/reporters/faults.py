"""The faults an audit injected (``audit --faults``), one row each, as every report lists them: when each
began (UTC), how long it was held, when it was undone and when the traffic recovered (seconds since it
began), what failed meanwhile and where.

Found by the shape of a metric's evidence (a list ``faults`` of rows naming ``fault`` and ``started_at``),
as the other reporters find the ramp's steps: a reporter knows evidence shapes, not metric ids. Values
are strings here; each format escapes them its own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from perfscore.reporters.values import printable
from perfscore.result import Result

MAX_ENDPOINTS = 6
HEADINGS = ("Fault", "Kind", "Started", "Held", "Undone at", "Recovered at", "Failed", "Failing endpoints")


@dataclass(frozen=True)
class FaultRow:
    name: str
    kind: str
    started: str
    held: str
    undone: str
    recovered: str
    failed: int
    failing: str
    notes: str

    def cells(self) -> tuple[str, ...]:
        """The row under ``HEADINGS``."""
        failed = f"{self.failed:,}" if self.recovered != "did not run" else "—"
        return (self.name, self.kind, self.started, self.held, self.undone, self.recovered, failed, self.failing)


def _is_fault(row: Any) -> bool:
    return isinstance(row, dict) and isinstance(row.get("fault"), str) and "started_at" in row


def _fault_lists(result: Result) -> list[list[dict[str, Any]]]:
    found = []
    for c in result.categories:
        for m in c.metrics:
            faults = m.evidence.get("faults")
            if isinstance(faults, list) and faults and all(_is_fault(f) for f in faults):
                found.append(faults)
    return found


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _seconds(value: Any, sign: str = "") -> str:
    v = _number(value)
    return "—" if v is None else f"{sign}{v:.1f} s"


def _utc(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at.astimezone(UTC) if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _started(value: Any, day: str | None) -> str:
    """The clock time (UTC); with its date when that is not the title's."""
    at = _utc(value)
    if at is None:
        return printable(str(value))[:40]
    return at.strftime("%H:%M:%S") if at.strftime("%Y-%m-%d") == day else at.strftime("%Y-%m-%d %H:%M:%S")


def _recovered(f: dict[str, Any]) -> str:
    if f.get("error"):
        return "did not run"
    took = _number(f.get("recovery_s"))
    if f.get("recovered") and took is not None:
        return "+0 s (no effect)" if took == 0 else f"+{took:g} s"
    waited = _number(f.get("waited_s"))
    return f"not within {waited:.0f} s of the undo" if waited is not None else "not recovered"


def _failing(f: dict[str, Any]) -> str:
    by = f.get("errors_by_endpoint")
    if not isinstance(by, dict) or not by:
        return "—"
    counts = sorted(((str(k), v) for k, v in by.items() if isinstance(v, int)), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{k} {v:,}" for k, v in counts[:MAX_ENDPOINTS])
    more = len(counts) - MAX_ENDPOINTS
    return shown + (f", … {more} more" if more > 0 else "")


def _notes(f: dict[str, Any]) -> str:
    said = [str(f["error"])] if f.get("error") else []
    notes = f.get("notes")
    if isinstance(notes, list):
        said += [str(n) for n in notes]
    return "; ".join(said)


def _faults(result: Result) -> list[dict[str, Any]]:
    lists = _fault_lists(result)
    return max(lists, key=len) if lists else []  # recovery lists every fault, degradation those marked


def fault_day(result: Result) -> str | None:
    """The UTC date the first fault began: the title's, so that each row needs only its clock time."""
    faults = _faults(result)
    at = _utc(faults[0].get("started_at")) if faults else None
    return at.strftime("%Y-%m-%d") if at is not None else None


def fault_title(result: Result) -> str:
    day = fault_day(result)
    return "Faults injected" + (f" on {day} (times in UTC)" if day else "")


def fault_rows(result: Result) -> list[FaultRow]:
    """One row per fault the run injected; none when it injected none (no ``--faults``)."""
    faults = _faults(result)
    day = fault_day(result)
    return [
        FaultRow(
            name=printable(f["fault"]),
            kind=printable(str(f.get("kind") or "")),
            started=_started(f.get("started_at"), day),
            held=_seconds(f.get("held_s")),
            undone=_seconds(f.get("undone_s"), "+"),
            recovered=_recovered(f),
            failed=int(_number(f.get("failed")) or 0),
            failing=printable(_failing(f)),
            notes=printable(_notes(f)),
        )
        for f in faults
    ]


CAPTION = (
    "Held: how long the fault stayed in place before its undo began (hold_s; a pause's duration). Undone at, "
    "Recovered at: seconds since the fault began; recovered once steady_s seconds in a row were within the SLO."
)


def fault_caption(result: Result) -> str:
    """CAPTION, with the steady traffic the faults ran under and where its rate came from."""
    basis = next(
        (
            m.evidence.get("steady_rate_basis")
            for c in result.categories
            for m in c.metrics
            if isinstance(m.evidence.get("steady_rate_basis"), str)
        ),
        None,
    )
    return CAPTION + (f" Steady traffic: {printable(basis)[:200]}." if basis else "")
