"""One registry: every metric is defined by exactly one declared audit; the rubric scores it in the audit's unit."""

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
        assert (m.unit, m.category) == (spec.unit, spec.category), mid
    found = check(rubric)
    assert found.no_audit == [] and found.unscored == [] and not found.errors


def test_the_default_rubric_only_scores() -> None:
    """Title, unit and category are the audit's: the default rubric states none of them (one title override)."""
    text = (REPO / "rubrics" / "loanflow.yaml").read_text()
    keys = ("    title:", "    unit:", "    category:")
    stated = [line.strip() for line in text.splitlines() if line.startswith(keys)]
    assert stated == ["title: Dashboard page load (HTML and its assets)   # overrides the audit's generic title"]
    rubric = load_rubric()
    overridden = {mid for mid, m in rubric.metrics.items() if m.title != REGISTRY[mid].title}
    assert overridden == {"http.page_load"}


def test_a_renamed_metric_is_a_rubric_error_naming_the_line(tmp_path: Path) -> None:
    text = (
        (REPO / "rubrics" / "loanflow.yaml")
        .read_text()
        .replace("  mysql.thread_cache_hit_ratio:", "  mysql.thread_cache_ratio:")
    )
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("  mysql.thread_cache_ratio:"))
    path = tmp_path / "renamed.yaml"
    path.write_text(text)
    with pytest.raises(PerfscoreError, match=rf"renamed.yaml:{line}: metrics.mysql.thread_cache_ratio: no audit") as e:
        load_rubric(path)
    assert "did you mean mysql.thread_cache_hit_ratio?" in str(e.value) and "audited: false" in str(e.value)
    res = perfscore("rubric", "validate", str(path))
    assert res.code == 2 and "Traceback" not in res.err and f"renamed.yaml:{line}:" in res.err


def test_a_metric_no_audit_produces_is_declared_with_audited_false(tmp_path: Path) -> None:
    """Runs from elsewhere (older versions, imports) may carry metrics no audit produces: a rubric scores them
    when it says so and gives their title, unit and category; they are listed by ``rubric validate``."""
    path = tmp_path / "external.yaml"
    path.write_text(
        "extends: default\nmetrics:\n  app.queue_depth:\n    audited: false\n    title: Queue depth\n"
        "    category: scalability\n    unit: jobs\n    curve: {type: lognormal, p10: 10, median: 100}\n"
        "    target: 10\n    remediation: {title: Drain the queue, action: Add workers}\n"
    )
    rub = load_rubric(path)
    assert rub.metrics["app.queue_depth"].unit == "jobs" and not rub.metrics["app.queue_depth"].audited
    assert check(rub).no_audit == ["app.queue_depth"] and not check(rub).errors
    path.write_text("extends: default\nmetrics:\n  http.error_rate:\n    audited: false\n")
    with pytest.raises(PerfscoreError, match=r"external.yaml:4: metrics.http.error_rate.audited is false"):
        load_rubric(path)


def test_a_unit_or_category_mismatch_is_a_rubric_error(tmp_path: Path) -> None:
    path = tmp_path / "percent.yaml"
    path.write_text("extends: default\nmetrics:\n  http.error_rate:\n    unit: '%'\n")
    with pytest.raises(PerfscoreError, match=r"percent.yaml:4: metrics.http.error_rate.unit is '%'.*'ratio'"):
        load_rubric(path)
    res = perfscore("rubric", "validate", str(path))
    assert res.code == 2 and "Traceback" not in res.err and "ratio" in res.err
    path.write_text("extends: default\nmetrics:\n  http.error_rate:\n    category: memory\n")
    with pytest.raises(PerfscoreError, match=r"percent.yaml:4: metrics.http.error_rate.category is 'memory'"):
        load_rubric(path)
    # the audit's own unit and category, stated again, are accepted (rubrics written before they moved)
    path.write_text("extends: default\nmetrics:\n  http.error_rate:\n    unit: ratio\n    category: error_handling\n")
    assert load_rubric(path).metrics["http.error_rate"].unit == "ratio"


def test_declaring_an_id_twice_or_without_a_snapshot_is_a_programming_error() -> None:
    meta = {"category": "database", "description": "d", "source": "https://example.org/"}
    with pytest.raises(ValueError, match="declared twice"):

        @audit("mysql.thread_cache_hit_ratio", title="again", **meta)
        def again(s: MySQLSnapshot) -> Outcome:
            return measured(1.0)

    with pytest.raises(TypeError, match="Snapshot"):

        @audit("mysql.something_new", title="untyped", **meta)
        def untyped(s: int) -> Outcome:
            return measured(1.0)

    with pytest.raises(ValueError, match="lowercase and dotted"):
        audit("NotAnId", title="x", **meta)
    with pytest.raises(ValueError, match="source must be an https"):
        audit("mysql.something_new", title="x", category="database", description="d", source="MySQL docs")
    with pytest.raises(ValueError, match="must not be empty"):
        audit("mysql.something_new", title="x", category="database", description=" ", source="https://x.org/")
    assert "mysql.something_new" not in REGISTRY


def test_each_metric_id_is_declared_in_exactly_one_place() -> None:
    """A newcomer finds a metric's code by grepping its id: one hit, in audits/."""
    sources = {p: p.read_text() for p in SRC.rglob("*.py")}  # each file read once, not once a metric
    for mid in REGISTRY:
        hits = [p for p, text in sources.items() if f'"{mid}"' in text]
        assert [h.relative_to(SRC).parts[0] for h in hits] == ["audits"], (mid, hits)


def test_audits_are_pure_no_io_client_is_loaded() -> None:
    code = (
        "import sys, perfscore.audits, perfscore.scoring;"
        "print(sorted(m for m in ('pymysql', 'redis', 'psutil', 'http.client', 'perfscore.gatherers',"
        " 'perfscore.session') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
