"""Statements a hostile config or a hostile slow log hands the read-only guard (issue #29 item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfscore.sqlguard import read_only_problem
from tests.hostile.fakemysql import gatherer, script


@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("SELECT app.now()", "qualified"),
        ("SELECT `app`.NOW()", "qualified"),
        ("SELECT app . /* x */ now ()", "qualified"),
        ("SELECT app.sum(1)", "qualified"),
        ("SELECT `now`()", "quoted"),
        ("SELECT ſum(1)", "ASCII"),  # LATIN SMALL LETTER LONG S: "SUM" to Python's upper(), not to MySQL
        ("SELECT ﬁeld('a','b')", "ASCII"),  # the fi ligature
        ("SELECT DATE_ADD(1)", "cannot be parsed"),
        ("SELECT DATE_SUB(1)", "cannot be parsed"),
    ],
)
def test_a_stored_function_in_a_built_ins_clothes_is_refused(sql: str, needle: str) -> None:
    problem = read_only_problem(sql)
    assert problem is not None and needle in problem, problem


@pytest.mark.parametrize("sql", ["SELECT NOW()", "SELECT sum(1) FROM t", "SELECT DATE_ADD(NOW(), INTERVAL 1 DAY)"])
def test_the_built_ins_themselves_still_pass(sql: str) -> None:
    assert read_only_problem(sql) is None


def test_a_statement_the_parser_chokes_on_in_the_slow_log_costs_only_its_plan(tmp_path: Path) -> None:
    answers = script(**{"SELECT sql_text": [{"sql_text": "SELECT DATE_ADD(1)", "n": 3}]})
    g, conn = gatherer(tmp_path, answers)
    g.begin()
    snap = g.end()
    assert snap.slow_log is not None and [s.sql for s in snap.slow_log] == ["SELECT DATE_ADD(1)"]
    assert snap.slow_log[0].plan is None and snap.status_after
    assert not any("EXPLAIN" in s for s in conn.sent)  # refused by the guard, so never EXPLAINed
