"""A least-privilege user missing one optional grant (issue #29 item 6): each optional read loses only its
own figures, never the status counters and variables every MySQL metric rests on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.fakemysql import denied, gatherer, script

OPTIONAL = {
    "mysql.slow_log": ("FROM mysql.slow_log", "slow_log"),
    "performance_schema": ("performance_schema.events_statements_summary_by_digest", "digests_before"),
    "information_schema.STATISTICS": ("information_schema.STATISTICS", "indexes"),
}


@pytest.mark.parametrize("grant", OPTIONAL)
def test_a_missing_optional_grant_loses_only_its_own_figures(tmp_path: Path, grant: str) -> None:
    statement, field = OPTIONAL[grant]
    answers = script(
        **{
            "SHOW GLOBAL VARIABLES LIKE 'performance_schema'": [{"Variable_name": "x", "Value": "ON"}],
            "performance_schema.events_statements_summary_by_digest": [],
            statement: denied(grant),
        }
    )
    g, conn = gatherer(tmp_path, answers)
    g.begin()
    snap = g.end()
    assert any(statement in sql for sql in conn.sent)  # it was asked, and refused
    assert getattr(snap, field) is None
    assert snap.status_after.get("Questions") == "10" and snap.variables.get("slow_query_log") == "ON"
    others = {f for s, f in OPTIONAL.values() if f != field}
    assert all(getattr(snap, f) is not None for f in others), {f: getattr(snap, f) for f in others}
