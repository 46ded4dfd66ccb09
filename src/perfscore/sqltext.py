"""One form for SQL text from anywhere (a digest, the slow log, a configured query, perfscore's own
statements): literals and placeholders as ?, no quoting, no spacing, MariaDB's digest forms as written.
SQL text can come from anyone: only its first MAX_SQL characters are read, and every pattern is linear."""

from __future__ import annotations

import re

MAX_SQL = 4000
LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\b\d+(?:\.\d+)?\b")


LINE_COMMENT = re.compile(r"(?:--(?=[ \t\r\n]|$)|#)[^\n]*")  # MySQL's: "-- " needs the space after it


def strip_comments(text: str) -> str:
    """``text`` (its literals already masked) without its comments, as pt-query-digest's fingerprint and the
    server's digest drop them: ``/* … */`` (an app's tag, a tracing id), ``-- …`` and ``# …`` to the end of
    the line; a ``/*! … */`` the server runs is kept. One pass, no backtracking: an unterminated ``/*`` ends
    the statement."""
    out: list[str] = []
    at = 0
    while (start := text.find("/*", at)) >= 0:
        end = text.find("*/", start + 2)
        if text.startswith("/*!", start):
            out.append(text[at : len(text) if end < 0 else end + 2])
        else:
            out.append(text[at:start] + " ")
        if end < 0:
            at = len(text)
            break
        at = end + 2
    out.append(text[at:])
    return LINE_COMMENT.sub(" ", "".join(out))


def normalize_sql(text: str) -> str:
    """``wp_posts . ID`` as ``wp_posts.id``, ``LIMIT ?, ...`` and ``LIMIT ? OFFSET ?`` as ``limit ?,?``,
    ``IN (...)`` and ``IN (1, 2)`` as ``in(?)``, ``%s`` as ``?``; comments dropped (``/* app:cart */ SELECT``
    is the digest's ``SELECT``)."""
    t = strip_comments(LITERAL.sub("?", text[:MAX_SQL])).replace("`", "").replace("%s", "?").lower()
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
