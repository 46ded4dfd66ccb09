"""Formatting shared by the reporters: values with units, and Lighthouse's score bands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from perfscore.result import Priority

PRIORITY_CLASS: dict[Priority, str] = {
    "High": "high",
    "Medium": "medium",
    "Low": "low",
    "Done": "done",
    "Not measured": "unmeasured",
}


def priority_class(priority: Priority) -> str:
    """The CSS class of a priority (a fixed table, never text from the result)."""
    return PRIORITY_CLASS[priority]


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if isinstance(value, float):
        text = f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def printable(text: object, keep: str = "") -> str:
    """Target- or rubric-supplied text with its control characters (ANSI, BEL …) blanked; ``keep``
    names the ones a format can show safely (a newline in a terminal, a tab in HTML)."""
    return "".join(ch if ch.isprintable() or ch in keep else " " for ch in str(text))


def band_class(score: float) -> str:
    # Lighthouse's bands: 90–100 good, 50–89 needs improvement, 0–49 poor.
    return "good" if score >= 90 else "avg" if score >= 50 else "poor"


def band_name(score: float) -> str:
    return {"good": "Good", "avg": "Needs improvement", "poor": "Poor"}[band_class(score)]
