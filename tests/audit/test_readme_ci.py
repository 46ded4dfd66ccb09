"""The README's GitHub Actions example, run step for step against the reference stack (issue 14: the
example used to run `score run.json` after an audit that saved no run, and exit 2; issue 26: its gate
passed a 60-fold latency regression, which its latency budget now fails)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass
class Job:
    """What the README's job did: each run step's outcome (in order), and the folder it ran in."""

    steps: list[tuple[str, subprocess.CompletedProcess[str]]]
    where: Path

    @property
    def audit(self) -> subprocess.CompletedProcess[str]:
        return self.steps[0][1]


def run_the_readme_job(baseline: Path, tmp_path: Path, *, ramp: bool = True) -> Job:
    """The README's GitHub Actions job, step for step, as a runner would: after a failed step only the
    steps marked ``if: always()`` run; an action (``uses``) is checked to find its file."""
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg.setdefault("audit", {})["duration_s"] = 3  # the stack's config, with a short window and ramp
    cfg["audit"]["load"]["ramp"] = [1, 16]
    cfg["audit"]["load"]["step_s"] = 0.6
    cfg["audit"]["load"]["scalability"] = ramp
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

    # What the README says to do once before: save the baseline (an audit of the healthy stack).
    shutil.copy(baseline, tmp_path / "baseline-run.json")
    done: list[tuple[str, subprocess.CompletedProcess[str]]] = []
    failed = False
    for step in github_steps():
        if failed and step.get("if") != "always()":
            continue
        if "uses" in step:
            given = step["with"]  # type: ignore[index]
            paths = given.get("report_paths") or given.get("path")
            assert (tmp_path / str(paths)).is_file(), f"{step['uses']} would find no {paths}"
            continue
        res = sh(str(step["run"]))
        done.append((str(step["run"]), res))
        failed = failed or res.returncode != 0
    assert done, "the README's job has no run step"
    return Job(done, tmp_path)


def test_the_readme_ci_example_runs_as_written(healthy_audit: Audited, tmp_path: Path) -> None:
    job = run_the_readme_job(healthy_audit.run, tmp_path)
    for command, res in job.steps:
        assert res.returncode == 0, f"step {command!r} exited {res.returncode}\n{res.stderr[-3000:]}"
    res = job.audit  # a CI log that is never silent for long, one ramp step a line
    assert "ramp: step 1/" in res.stderr and "[0:" in res.stderr, res.stderr[-2000:]
    # The annotations went to stdout, each a workflow command, the score last.
    lines = res.stdout.splitlines()
    assert lines and all(line.startswith("::") for line in lines), lines[:3]
    assert lines[-1].startswith("::notice title=perfscore::") and "gate passed" in lines[-1]
    junit = ET.fromstring((tmp_path / "perfscore.xml").read_bytes())
    assert junit.get("failures") == "0" and int(junit.get("tests", "0")) > 40  # a green job shows no red test
    budgets = [c.get("name", "") for c in junit.iter("testcase") if c.get("name", "").startswith("budget ")]
    assert budgets == ["budget http.p95_latency<100ms", "budget http.error_rate<1%"], budgets
    assert (tmp_path / "report.html").read_text().lstrip().lower().startswith("<!doctype html")
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary.startswith("## ✅ perfscore gate passed")
    assert (tmp_path / "run.json").is_file()


def test_the_readme_ci_example_fails_a_slow_stack_on_its_latency_budget(
    healthy_audit: Audited, knob: Callable[..., None], tmp_path: Path
) -> None:
    """Issue 26: 200 ms more on every /api/ request cost the score a few points and the README's gate
    passed it; its latency budget fails it, and every report the job keeps says which budget."""
    knob(latency_ms=200)
    job = run_the_readme_job(healthy_audit.run, tmp_path, ramp=False)  # the budget is the window's p95
    audit = job.audit
    assert audit.returncode == 1, f"exited {audit.returncode}\n{audit.stderr[-3000:]}"
    assert "gate failed: budget http.p95_latency<100ms: http.p95_latency " in audit.stderr, audit.stderr[-2000:]
    assert "gate failed: budget http.error_rate" not in audit.stderr  # slow, not failing
    assert any(
        line.startswith("::error title=perfscore gate%3A budget http.p95_latency<100ms::")
        for line in audit.stdout.splitlines()
    ), audit.stdout[-2000:]
    assert "gate failed" in audit.stdout.splitlines()[-1]
    # The steps marked `if: always()` still ran: the job summary and the JUnit report say why.
    assert [command for command, _ in job.steps][1:] == ['cat summary.md >> "$GITHUB_STEP_SUMMARY"']
    assert job.steps[1][1].returncode == 0
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary.startswith("## ❌ perfscore gate failed") and "budget http.p95\\_latency" in summary
    junit = ET.fromstring((tmp_path / "perfscore.xml").read_bytes())
    failure = junit.find(".//testcase[@name='budget http.p95_latency<100ms']/failure")
    assert failure is not None and "not met" in failure.get("message", "")
