"""The SQL patterns no B-tree index helps, and the one form a digest and its statement share."""

from __future__ import annotations

import pytest

from perfscore.audits.mysql import MAX_SQL, WHY_FUNCTION, WHY_NO_WHERE, WHY_OR, WHY_WILDCARD, normalize_sql, unindexable

CASES = [
    ("SELECT * FROM `loans` WHERE `borrower_id` = ? OR `application_id` = ?", WHY_OR),
    ("SELECT * FROM t WHERE t.a=1 OR t.b=2", WHY_OR),
    ("SELECT * FROM t WHERE (a=1 AND b=2) OR c=3", WHY_OR),
    ("SELECT * FROM p WHERE loan_id = 1 OR loan_id = 2", None),
    ("SELECT * FROM t WHERE user_id=? AND (status=? OR status=?)", None),
    ("SELECT * FROM t WHERE note = 'x OR y = 1' AND a = 2", None),  # words inside a literal
    ("SELECT * FROM b WHERE last_name LIKE '%mith'", WHY_WILDCARD),
    ("SELECT * FROM b WHERE last_name LIKE CONCAT('%', ?)", WHY_WILDCARD),
    ("SELECT * FROM b WHERE last_name LIKE 'Smith%'", None),
    ("SELECT id FROM users WHERE LOWER(email) = 'a'", WHY_FUNCTION),
    ("SELECT * FROM t WHERE created_at >= DATE(NOW())", None),  # a function of a constant
    ("SELECT YEAR(c), COUNT(*) FROM t WHERE a = 1 GROUP BY YEAR(c)", None),  # not in the WHERE
    ("SELECT * FROM t WHERE a = 1 ORDER BY TRIM(name)", None),
    ("SELECT COUNT(*) FROM payments", WHY_NO_WHERE),
    ("UPDATE t SET a = 1", None),
]


@pytest.mark.parametrize(("sql", "why"), CASES)
def test_unindexable(sql: str, why: str | None) -> None:
    assert unindexable(sql) == why


@pytest.mark.parametrize(
    "hostile",
    [
        "SELECT * FROM t WHERE " + "a = 1 AND " * 100_000,
        "WHERE " * 100_000,
        "SELECT * FROM t WHERE a LIKE" + " " * 1_000_000,
        "WHERE a=1 OR a=1 " * 50_000,
        "SELECT * FROM t WHERE " + "(" * 500_000 + "a=1",
        "'" * 1_000_000,
        "SELECT \\x00 FROM t WHERE a = '\\' OR b = 1",
    ],
)
def test_hostile_statements_are_cut_and_answered(hostile: str) -> None:
    """SQL text can come from anyone (slow log, digests, config): only its first MAX_SQL characters are read."""
    assert unindexable(hostile) in (None, WHY_FUNCTION, WHY_OR, WHY_WILDCARD, WHY_NO_WHERE)
    assert len(normalize_sql(hostile)) <= MAX_SQL


def test_a_digest_and_its_statement_normalize_alike() -> None:
    assert normalize_sql("SELECT `id` , `principal` FROM `loans` WHERE `id` = ?") == normalize_sql(
        "SELECT id, principal FROM loans WHERE id = 4242"
    )
    assert normalize_sql("SELECT ID , `principal` FROM `loans` WHERE `borrower_id` = ? ORDER BY ID LIMIT ?") == (
        normalize_sql("select id,principal from loans where borrower_id = 7919 order by id limit 20")
    )
    assert normalize_sql("SELECT * FROM t WHERE a IN (...)") == normalize_sql("SELECT * FROM t WHERE a IN (1, 2, 3)")
    assert normalize_sql("SELECT * FROM t WHERE city = ?") != normalize_sql("SELECT * FROM t WHERE email LIKE '%x%'")


@pytest.mark.parametrize(
    "written",
    [
        "/* app:cart,trace=4f2a */ SELECT id FROM loans WHERE id = 7",
        "SELECT id FROM loans -- the cart's loan\nWHERE id = 7",
        "SELECT id FROM loans # a note\nWHERE id = 7",
        "SELECT /* hint */ id FROM loans WHERE id = 7 /* unterminated",
    ],
)
def test_a_statement_with_comments_is_its_digest_without_them(written: str) -> None:
    """The slow log keeps the comments an app adds (a tag, a trace id); the server's digest and
    pt-query-digest drop them: one statement, judged once, whichever source saw it."""
    assert normalize_sql(written) == normalize_sql("SELECT `id` FROM `loans` WHERE `id` = ?")


def test_what_looks_like_a_comment_but_is_not_one_stays() -> None:
    assert normalize_sql("SELECT a--1 FROM t") != normalize_sql("SELECT a FROM t")  # "--" with no space: minus
    assert normalize_sql("SELECT * FROM t WHERE note = '/* x */ -- y # z'") == normalize_sql(
        "SELECT * FROM t WHERE note = ?"
    )
    assert "/*!? sql_no_cache*/" in normalize_sql("SELECT /*!50000 SQL_NO_CACHE */ id FROM t")  # the server runs it
