"""One form for SQL text from anywhere (a digest, the slow log, a configured query, perfscore's own
statements): literals and placeholders as ?, no quoting, no spacing, MariaDB's digest forms as written.
SQL text can come from anyone: only its first MAX_SQL characters are read, and every pattern is linear."""

from __future__ import annotations

import re

MAX_SQL = 4000
LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\b\d+(?:\.\d+)?\b")


def normalize_sql(text: str) -> str:
    """``wp_posts . ID`` as ``wp_posts.id``, ``LIMIT ?, ...`` and ``LIMIT ? OFFSET ?`` as ``limit ?,?``,
    ``IN (...)`` and ``IN (1, 2)`` as ``in(?)``, ``%s`` as ``?``."""
    t = LITERAL.sub("?", text[:MAX_SQL]).replace("`", "").replace("%s", "?").lower()
    t = re.sub(r"\s*([(),=<>!+*/.-])\s*", r"\1", re.sub(r"\s+", " ", t)).strip().rstrip(";")
    t = re.sub(r"\blimit \?(?:,(?:\?|\.\.\.)| offset \?)", "limit ?,?", t)
    return re.sub(r"\((?:\?(?:,\?)*|\.\.\.)\)", "(?)", t)


def mask_literals(text: str) -> str:
    """A statement as it ran with its values masked (a user's token, e-mail or password is no evidence): each
    literal becomes ``?``, a string's leading ``%`` kept (``LIKE '%?'``: what tells an index cannot serve it)."""

    def masked(m: re.Match[str]) -> str:
        lit = m.group(0)
        if lit[:1] in ("'", '"'):
            return f"{lit[0]}%?{lit[0]}" if lit[1:2] == "%" else "?"
        return "?"

    return LITERAL.sub(masked, text[:MAX_SQL])
