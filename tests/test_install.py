"""A non-editable `pip install .` finds its bundled rubric and templates from any directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEED

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_wheel_install_works_from_anywhere(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    res = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(REPO)], capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, res.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    exe = venv / "bin" / "perfscore"
    show = subprocess.run([str(exe), "rubric", "show"], cwd=elsewhere, capture_output=True, text=True)
    assert show.returncode == 0, show.stderr
    assert "Database performance" in show.stdout
    where = subprocess.run(
        [
            str(py),
            "-c",
            "from perfscore.resources import default_rubric, templates_dir;"
            "print(default_rubric()); print(templates_dir())",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    rubric_path, templates = where.stdout.split()
    assert "site-packages" in rubric_path and "site-packages" in templates
    score = subprocess.run(
        [str(exe), "score", str(SEED / "run.json"), "--rubric", str(SEED / "rubric.yaml")],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert score.returncode == 0 and "95.05" in score.stdout
