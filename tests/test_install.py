"""A non-editable `pip install .` finds its bundled rubric and templates from any directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SEED

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def test_wheel_install_works_from_anywhere(tmp_path: Path) -> None:
    """The wheel built by the project's own backend (hatchling), installed non-editable into a new venv. The
    dependencies are the suite's (a .pth line to its site-packages, which does not run the editable install's
    finder there): resolving and installing them again cost 23 s of CPU and tested pip, not perfscore."""
    dist, venv = tmp_path / "dist", tmp_path / "venv"
    pip = [sys.executable, "-m", "pip"]
    build = [*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(REPO)]
    res = subprocess.run(build, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    wheel = [str(w) for w in dist.glob("perfscore-*.whl")]
    install = [*pip, "--python", str(py), "install", "-q", "--no-deps", "--no-index", *wheel]
    res = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    suite = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (Path(site) / "suite-dependencies.pth").write_text(suite + "\n")
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
