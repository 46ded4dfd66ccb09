"""Evidence as small readable tables for the HTML report, never raw JSON.

A measurement's evidence is a JSON-like dict written by its audit: figures,
lists of rows (statements, steps, processes) and maps of rows (endpoints).
Each shape gets the table a reader expects: figures as name/value pairs, a
list of rows as a table with a column per field, a map of rows as a table
with a row per key. Anything nested deeper is one line of text. Every string
is escaped and stripped of control characters here (the result is Markup).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from perfscore.reporters.values import printable

MAX_ROWS = 12
MAX_COLUMNS = 7
MAX_TEXT = 300


UNITS = {"_ms": " (ms)", "_s": " (s)", "_h": " (h)", "_mb": " (MB)", "_kb": " (KB)", "_pct": " (%)"}


def _label(key: object) -> str:
    """An evidence key as a column heading: ``window_s`` → "window (s)", ``p95_ms`` → "p95 (ms)"."""
    text = printable(str(key))
    for suffix, unit in UNITS.items():
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)].replace("_", " ") + unit
    return text.replace("_", " ")


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):  # one minus sign in the report: U+2212, as human() writes it
        return (f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}").replace("-", "−")
    if isinstance(value, int):
        return f"{value:,}".replace("-", "−")
    if isinstance(value, dict | list):
        return _inline(value)
    text = printable(str(value))
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _inline(value: Any) -> str:
    """Something nested: one line, ``key: value`` pairs or a list, cut short."""
    if isinstance(value, dict):
        text = ", ".join(f"{_label(k)}: {_cell(v)}" for k, v in list(value.items())[:8])
        more = len(value) - 8
    else:
        text = ", ".join(_cell(v) for v in value[:8])
        more = len(value) - 8
    text += f", … {more} more" if more > 0 else ""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _td(value: Any, numeric: bool = False) -> str:
    cls = ' class="num"' if numeric or isinstance(value, int | float) and not isinstance(value, bool) else ""
    return f"<td{cls}>{escape(_cell(value))}</td>"


def _rows_table(rows: list[dict[str, Any]], first: str | None = None) -> str:
    columns: list[str] = []
    for row in rows[:MAX_ROWS]:
        for k in row:
            if k != "__key__" and k not in columns and len(columns) < MAX_COLUMNS:
                columns.append(k)
    head = (f"<th>{escape(_label(first))}</th>" if first else "") + "".join(
        f"<th>{escape(_label(c))}</th>" for c in columns
    )
    body = []
    for row in rows[:MAX_ROWS]:
        lead = f"<td>{escape(_cell(row.get('__key__')))}</td>" if first else ""
        body.append("<tr>" + lead + "".join(_td(row.get(c)) for c in columns) + "</tr>")
    more = len(rows) - MAX_ROWS
    tail = f'<p class="detail">… and {more} more</p>' if more > 0 else ""
    return f'<table class="ev"><tr>{head}</tr>{"".join(body)}</table>{tail}'


def evidence_html(ev: dict[str, Any]) -> Markup:
    """The evidence dict as HTML tables (figures first, then one table per list or map of rows)."""
    figures = [(k, v) for k, v in ev.items() if not isinstance(v, dict | list)]
    parts = []
    if figures:
        rows = "".join(f"<tr><th>{escape(_label(k))}</th>{_td(v)}</tr>" for k, v in figures)
        parts.append(f'<table class="ev kv">{rows}</table>')
    for key, value in ev.items():
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            parts.append(f'<div class="evh">{escape(_label(key))}</div>' + _rows_table(value))
        elif isinstance(value, dict) and value and all(isinstance(x, dict) for x in value.values()):
            keyed = [{"__key__": k, **v} for k, v in value.items()]
            parts.append(f'<div class="evh">{escape(_label(key))}</div>' + _rows_table(keyed, first=str(key)))
        elif isinstance(value, dict | list) and value:
            parts.append(
                f'<table class="ev kv"><tr><th>{escape(_label(key))}</th><td>{escape(_inline(value))}</td></tr></table>'
            )
    return Markup("".join(parts))
