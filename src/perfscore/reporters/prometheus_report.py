"""Prometheus text format: scores for node-exporter's textfile collector or a Pushgateway."""

from __future__ import annotations

from perfscore.reporters.context import ReportContext
from perfscore.reporters.values import printable
from perfscore.result import Result


def _label(value: str) -> str:
    value = printable(value, keep="\n")  # no terminal controls
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    t = _label(result.target.name)
    rub = _label(result.rubric)
    lines = [
        "# HELP perfscore_score Overall performance score, 0-100.",
        "# TYPE perfscore_score gauge",
        f'perfscore_score{{target="{t}",rubric="{rub}"}} {result.score}',
        "# HELP perfscore_capped 1 when the rubric capped the score (see the report's verdict), else 0.",
        "# TYPE perfscore_capped gauge",
        f'perfscore_capped{{target="{t}",rubric="{rub}"}} {1 if result.capped_at is not None else 0}',
        "# HELP perfscore_category_score Category score, 0-100.",
        "# TYPE perfscore_category_score gauge",
    ]
    lines += [
        f'perfscore_category_score{{target="{t}",category="{_label(c.id)}"}} {c.score}' for c in result.categories
    ]
    lines += [
        "# HELP perfscore_category_weighted_impact Overall points the category would add at 100.",
        "# TYPE perfscore_category_weighted_impact gauge",
    ]
    lines += [
        f'perfscore_category_weighted_impact{{target="{t}",category="{_label(c.id)}"}} {c.weighted_impact}'
        for c in result.categories
    ]
    lines += [
        "# HELP perfscore_metrics_not_measured Metrics that could not be measured (scored 0).",
        "# TYPE perfscore_metrics_not_measured gauge",
        f'perfscore_metrics_not_measured{{target="{t}"}} {len(result.not_measured)}',
        "# HELP perfscore_audit_timestamp_seconds When the audit started (Unix time).",
        "# TYPE perfscore_audit_timestamp_seconds gauge",
        f'perfscore_audit_timestamp_seconds{{target="{t}"}} {result.run_started_at.timestamp():.0f}',
    ]
    return "\n".join(lines) + "\n"
