"""The standing adversarial count (tests/hostile/tally.py): what a case's reports make of it, and the total
that make test prints over its tiers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from tests.conftest import REPO
from tests.hostile.tally import Counter, Tally, record, total


def _report(nodeid: str, when: str, outcome: str, xfail: bool = False) -> SimpleNamespace:
    rep = SimpleNamespace(nodeid=nodeid, when=when, outcome=outcome)
    if xfail:
        rep.wasxfail = "known"
    return rep


def test_each_case_counts_once_and_a_failure_in_any_phase_is_not_held() -> None:
    c = Counter()
    reports = [
        *(_report("tests/hostile/test_a.py::t[x]", w, "passed") for w in ("setup", "call", "teardown")),
        *(_report("tests/hostile/test_a.py::t[y]", w, "passed") for w in ("setup", "call", "teardown")),
        _report("tests/hostile/test_a.py::broken_teardown", "setup", "passed"),
        _report("tests/hostile/test_a.py::broken_teardown", "call", "passed"),
        _report("tests/hostile/test_a.py::broken_teardown", "teardown", "failed"),
        _report("tests/hostile/test_a.py::broken_setup", "setup", "failed"),
        _report("tests/hostile/test_a.py::broken_setup", "teardown", "passed"),
        _report("tests/hostile/test_a.py::known", "call", "skipped", xfail=True),
        _report("tests/hostile/test_a.py::absent", "setup", "skipped"),
        _report("tests/cli/test_other.py::t", "call", "failed"),  # not an adversarial case
    ]
    for rep in reports:
        c.add(rep)
    t = c.tally()
    assert (t.tried, t.held, t.xfailed, t.skipped) == (5, 2, 1, ["test_a.py::absent"])
    assert t.line() == "hostile: 5 cases tried / 2 held; 1 expected to fail; 1 skipped: test_a.py::absent"


def test_the_total_adds_up_the_tiers_each_tier_once(tmp_path: Path) -> None:
    tally = tmp_path / "tally.jsonl"
    assert total(tally) == "hostile: no tier ran a case of tests/hostile"
    record(tally, "fast", Tally(tried=3, held=3))
    record(tally, "server", Tally(tried=9, held=9))  # a tier run again: its last record counts
    record(tally, "server", Tally(tried=10, held=8, skipped=["test_s.py::t"]))
    with tally.open("a") as fh:
        fh.write('{"tier": "timing", "tri')  # a run interrupted while writing
    assert total(tally) == "hostile: 13 cases tried / 11 held over the fast and server tiers; 1 skipped: test_s.py::t"
    out = subprocess.run(
        [sys.executable, "-m", "tests.hostile.tally", str(tally)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=True,
    ).stdout
    assert out.strip() == total(tally)
