"""JSON: the machine-readable result, field names kept stable for CI scripts."""

from __future__ import annotations

from perfscore.result import Result


def render(result: Result, *, color: bool = False) -> str:
    return result.model_dump_json(indent=2) + "\n"
