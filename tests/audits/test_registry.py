"""One registry: every metric the default rubric scores comes from exactly one declared audit, in the same unit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from perfscore.artifacts.mysql import MySQLSnapshot
from perfscore.audits import REGISTRY
from perfscore.audits.base import Outcome, audit, measured
from perfscore.errors import PerfscoreError
from perfscore.rubric import load_rubric
from perfscore.rubric.registry_check import check
from tests.conftest import REPO, perfscore

SRC = REPO / "src" / "perfscore"


def test_default_rubric_and_registry_agree() -> None:
    rubric = load_rubric()
    assert set(rubric.metrics) == set(REGISTRY), set(rubric.metrics) ^ set(REGISTRY)
    for mid, m in rubric.metrics.items():
        spec = REGISTRY[mid]
        assert m.unit in ("", spec.unit), (mid, m.unit, spec.unit)
        assert m.category == spec.category, (mid, m.category, spec.category)
    found = check(rubric)
    assert found.no_audit == [] and found.unscored == [] and found.unit_errors == []


def test_a_renamed_metric_is_reported(tmp_path: Path) -> None:
    text = (
        (REPO / "rubrics" / "loanflow.yaml")
        .read_text()
        .replace("  mysql.thread_cache_hit_ratio:", "  mysql.thread_cache_ratio:")
    )
    path = tmp_path / "renamed.yaml"
    path.write_text(text)
    found = check(load_rubric(path))
    assert found.no_audit == ["mysql.thread_cache_ratio"]
    assert found.unscored == ["mysql.thread_cache_hit_ratio"]
    res = perfscore("rubric", "validate", str(path))
    assert res.code == 0, res.err
    assert "mysql.thread_cache_ratio" in res.out and "mysql.thread_cache_hit_ratio" in res.out


def test_a_unit_mismatch_is_a_rubric_error(tmp_path: Path) -> None:
    path = tmp_path / "percent.yaml"
    path.write_text("extends: default\nmetrics:\n  http.error_rate:\n    unit: '%'\n")
    with pytest.raises(PerfscoreError, match=r"percent.yaml:4: metrics.http.error_rate.unit is '%'.*'ratio'"):
        load_rubric(path)
    res = perfscore("rubric", "validate", str(path))
    assert res.code == 2 and "Traceback" not in res.err and "ratio" in res.err


def test_declaring_an_id_twice_or_without_a_snapshot_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="declared twice"):

        @audit("mysql.thread_cache_hit_ratio", title="again", category="database")
        def again(s: MySQLSnapshot) -> Outcome:
            return measured(1.0)

    with pytest.raises(TypeError, match="Snapshot"):

        @audit("mysql.something_new", title="untyped", category="database")
        def untyped(s: int) -> Outcome:
            return measured(1.0)

    with pytest.raises(ValueError, match="lowercase and dotted"):
        audit("NotAnId", title="x", category="database")
    assert "mysql.something_new" not in REGISTRY


def test_each_metric_id_is_declared_in_exactly_one_place() -> None:
    """A newcomer finds a metric's code by grepping its id: one hit, in audits/."""
    for mid in REGISTRY:
        hits = [p for p in SRC.rglob("*.py") if f'"{mid}"' in p.read_text()]
        assert [h.relative_to(SRC).parts[0] for h in hits] == ["audits"], (mid, hits)


def test_audits_are_pure_no_io_client_is_loaded() -> None:
    code = (
        "import sys, perfscore.audits, perfscore.scoring;"
        "print(sorted(m for m in ('pymysql', 'redis', 'psutil', 'http.client', 'perfscore.gatherers',"
        " 'perfscore.session') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
