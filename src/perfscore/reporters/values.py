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
    "Invalid": "unmeasured",  # its figures measured something else (failures, a limiter): no priority of its own
}


def priority_class(priority: Priority) -> str:
    """The CSS class of a priority (a fixed table, never text from the result)."""
    return PRIORITY_CLASS[priority]


def fmt(value: Any, unit: str = "") -> str:
    """A value with its unit, as every report says it (percentages, "1 replica"): see ``human``."""
    return human(value, unit)


def printable(text: object, keep: str = "") -> str:
    """Target- or rubric-supplied text with its control characters (ANSI, BEL …) blanked; ``keep``
    names the ones a format can show safely (a newline in a terminal, a tab in HTML)."""
    return "".join(ch if ch.isprintable() or ch in keep else " " for ch in str(text))


def band_class(score: float) -> str:
    # Lighthouse's bands: 90–100 good, 50–89 needs improvement, 0–49 poor.
    return "good" if score >= 90 else "avg" if score >= 50 else "poor"


def band_name(score: float) -> str:
    return {"good": "Good", "avg": "Needs improvement", "poor": "Poor"}[band_class(score)]


# Count units said in the singular for one: "1 replica", not "1 replicas".
SINGULAR = {
    "replicas": "replica",
    "statements": "statement",
    "indexes": "index",
    "keys": "key",
    "users": "user",
    "connections": "connection",
    "joins/day": "join/day",
}


def human(value: Any, unit: str = "") -> str:
    """A value as people say it, for the manager's report: ratios as percentages, "1 replica", ms with
    sensible decimals, one minus sign (U+2212) for negative numbers."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return f"{value} {unit}".strip()
    v = float(value)
    if unit == "ratio":
        text = f"{v * 100:.4g} %" if abs(v) < 10 else f"{v * 100:,.0f} %"
        return text.replace("-", "−")
    if v.is_integer() and abs(v) < 1e15:
        number = f"{int(v):,}"
    elif abs(v) >= 100:
        number = f"{v:,.0f}"
    elif abs(v) >= 10:
        number = f"{v:,.1f}"
    else:
        number = f"{v:.3g}"
    number = number.replace("-", "−")
    if unit in SINGULAR and v == 1:
        unit = SINGULAR[unit]
    return f"{number} {unit}".strip()


def nothing_to_fix(result: Any) -> str:
    """What a report says when its roadmap is empty: "Every metric meets its target." only when that is
    true of every scored metric; otherwise why there is nothing to propose (figures not measured)."""
    scored = [m for c in result.categories for m in c.metrics if m.weight > 0]
    below = [m for m in scored if m.status == "measured" and not m.meets_target]
    unmeasured = [m for m in scored if m.status not in ("measured", "not_applicable")]
    if not below and not unmeasured:
        return "Every metric meets its target."
    parts = []
    if unmeasured:
        parts.append(f"{len(unmeasured)} scored metric{'s were' if len(unmeasured) > 1 else ' was'} not measured")
    if below:
        parts.append(f"{len(below)} below target with no fix in the rubric")
    return "No fix to propose, but " + " and ".join(parts) + ": see below."
