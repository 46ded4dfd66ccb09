"""The README's GitHub Actions example, run step for step against the reference stack (issue 14: the
example used to run `score run.json` after an audit that saved no run, and exit 2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.stack.fixtures import AUDIT_CONFIG, Audited

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def github_steps() -> list[dict[str, object]]:
    text = (REPO / "README.md").read_text()
    start = text.index("```yaml\n# GitHub Actions")
    block = text[start + len("```yaml\n") : text.index("```", start + 8)]
    steps = yaml.safe_load(block)
    assert isinstance(steps, list) and steps
    return steps


def test_the_readme_ci_example_runs_as_written(healthy_audit: Audited, tmp_path: Path) -> None:
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg.setdefault("audit", {})["duration_s"] = 3  # the stack's config, with a short window and ramp
    cfg["audit"]["load"]["ramp"] = [1, 16, 64]
    cfg["audit"]["load"]["step_s"] = 1.0
    (tmp_path / "perfscore.yaml").write_text(yaml.safe_dump(cfg))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
    }

    def sh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # What the README says to do once before: save the baseline (the session's audit of the healthy stack).
    shutil.copy(healthy_audit.run, tmp_path / "baseline-run.json")
    audit_out = ""
    for step in github_steps():
        if "uses" in step:
            given = step["with"]  # type: ignore[index]
            paths = given.get("report_paths") or given.get("path")
            assert (tmp_path / str(paths)).is_file(), f"{step['uses']} would find no {paths}"
            continue
        res = sh(str(step["run"]))
        assert res.returncode == 0, f"step {step['run']!r} exited {res.returncode}\n{res.stderr[-3000:]}"
        if not audit_out:  # the audit step: a CI log that is never silent for long, one ramp step a line
            assert "ramp: step 1/" in res.stderr and "[0:" in res.stderr, res.stderr[-2000:]
        audit_out = audit_out or res.stdout
    # The annotations went to stdout, each a workflow command, the score last.
    lines = audit_out.splitlines()
    assert lines and all(line.startswith("::") for line in lines), lines[:3]
    assert lines[-1].startswith("::notice title=perfscore::") and "gate passed" in lines[-1]
    junit = ET.fromstring((tmp_path / "perfscore.xml").read_bytes())
    assert junit.get("failures") == "0" and int(junit.get("tests", "0")) > 40  # a green job shows no red test
    assert (tmp_path / "report.html").read_text().lstrip().lower().startswith("<!doctype html")
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary.startswith("## ✅ perfscore gate passed")
    assert (tmp_path / "run.json").is_file()
