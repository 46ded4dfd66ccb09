"""Placeholder registration; filled in by the load issue."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    return None
