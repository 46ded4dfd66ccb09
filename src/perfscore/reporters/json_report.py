"""JSON: the machine-readable result, field names kept stable for CI scripts."""

from __future__ import annotations

import json

from perfscore.reporters.context import ReportContext
from perfscore.result import Result


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    if ctx is None or not (ctx.gate or ctx.comparison):
        return result.model_dump_json(indent=2) + "\n"
    data = result.model_dump(mode="json")
    if ctx.gate:
        data["gate"] = [g.model_dump(mode="json") for g in ctx.gate]
    if ctx.comparison:
        data["comparison"] = ctx.comparison.model_dump(mode="json")
    return json.dumps(data, indent=2) + "\n"
