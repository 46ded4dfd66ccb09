"""Find the data files that ship with perfscore (default rubric, report templates).

In a wheel they live in ``perfscore/_data``; in a source checkout (editable
install, tests) they live at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent.parent


def _find(installed: str, in_repo: str) -> Path:
    for candidate in (_PKG / "_data" / installed, _REPO / in_repo):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"perfscore data directory {installed!r} is missing from this installation")


def rubrics_dir() -> Path:
    return _find("rubrics", "rubrics")


def templates_dir() -> Path:
    return _find("templates", "reports/templates")


def default_rubric() -> Path:
    return rubrics_dir() / "loanflow.yaml"
