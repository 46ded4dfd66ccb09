"""Error-handling audits: unknown paths answer 404; error pages leak no stack traces or file paths."""

from __future__ import annotations

import re
from typing import Any

from perfscore.artifacts.errors import ErrorPagesSnapshot
from perfscore.audits.base import Outcome, audit, measured

# What a leaking error page shows (OWASP error-handling cheat sheet): stack traces,
# interpreter warnings, file paths, SQL errors.
LEAKS = re.compile(
    r"Stack trace:|Traceback \(most recent call last\)|Fatal error|Uncaught [A-Z]\w+|"
    r"(?:Warning|Notice|Deprecated): .{0,200} on line \d+|\.php(?::| on line )\d+|"
    r"/(?:var/www|home/\w+|srv|usr/share/nginx)/\S+|SQLSTATE\[|PDOException|mysqli_|"
    r"at [\w.$]+\([\w.]+\.java:\d+\)",
)


@audit(
    "http.not_found_status",
    title="Unknown paths answer 404",
    category="error_handling",
    description="status of a random path that cannot exist",
    source="https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404",
)
def not_found_status(s: ErrorPagesSnapshot) -> Outcome:
    status = s.pages[0].answer.status if s.pages else 0
    return measured(
        status == 404,
        summary=None if status == 404 else f"an unknown path answered {status}, not 404",
        status=status,
        path=s.not_found_path,
    )


@audit(
    "http.error_pages_clean",
    title="Error pages leak no stack traces or paths",
    category="error_handling",
    description="the unknown path and malformed variants of the endpoints, searched for stack traces, paths, "
    "SQL errors",
    source="https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html",
)
def error_pages_clean(s: ErrorPagesSnapshot) -> Outcome:
    leaks: list[dict[str, Any]] = []
    for page in s.pages:
        r = page.answer
        m = LEAKS.search(r.body)
        if m:
            start = max(0, m.start() - 80)
            leaks.append({"page": page.what, "status": r.status, "url": r.url, "excerpt": r.body[start : m.end() + 80]})
    return measured(
        not leaks,
        summary=f"{leaks[0]['page']} leaks internals: {leaks[0]['excerpt'][:160]}" if leaks else None,
        checked=len(s.pages),
        leaks=leaks,
        server_errors=[f"{p.what}: {p.answer.status}" for p in s.pages if p.answer.status >= 500],
    )
