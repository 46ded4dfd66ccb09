"""Error-handling audits: unknown paths answer 404; error pages leak no stack traces or file paths."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from perfscore.artifacts.errors import ErrorPage, ErrorPagesSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured

# What a leaking error page shows (OWASP error-handling cheat sheet): stack traces,
# interpreter warnings, file paths, SQL errors.
LEAKS = re.compile(
    r"Stack trace:|Traceback \(most recent call last\)|Fatal error|Uncaught [A-Z]\w+|"
    r"(?:Warning|Notice|Deprecated): .{0,200} on line \d+|\.php(?::| on line )\d+|"
    r"/(?:var/www|home/\w+|srv|usr/share/nginx)/\S+|SQLSTATE\[|PDOException|mysqli_|"
    r"at [\w.$]+\([\w.]+\.java:\d+\)",
)

LOGIN_PATH = re.compile(r"(?i)log_?in|sign_?in|sign-in|auth|session|account|sso|cas/")
BLOCKED = "probes were redirected to login: give the session cookie in the config"


def _redirect_path(page: ErrorPage) -> str | None:
    """Where a 3xx answer sends the client, when that is another path than the one asked for."""
    r = page.answer
    if not 300 <= r.status < 400:
        return None
    location = r.headers.get("location", "")
    if not location:
        return None
    try:
        to = urlsplit(urljoin(r.url, location)).path
        asked = urlsplit(r.url).path
    except ValueError:
        return None
    return to if to.rstrip("/") != asked.rstrip("/") else None


def blocked(page: ErrorPage) -> str | None:
    """Why a probe never reached the page it asked for (a login wall), or None when it did.

    A 401/403, or a redirect to another path: the answer is the wall's, not the page's, so the probe
    says nothing of how the app handles a malformed request.
    """
    if page.answer.status in (401, 403):
        return f"{page.answer.status}"
    to = _redirect_path(page)
    return f"{page.answer.status} to {to}" if to else None


@audit(
    "http.not_found_status",
    title="Unknown paths answer 404",
    category="error_handling",
    description="status of a random path that cannot exist",
    source="https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404",
)
def not_found_status(s: ErrorPagesSnapshot) -> Outcome:
    status = s.pages[0].answer.status if s.pages else 0
    if s.pages and (status == 401 or LOGIN_PATH.search(_redirect_path(s.pages[0]) or "")):
        raise Unmeasurable(f"the unknown path answered {blocked(s.pages[0])}: {BLOCKED}")
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
    walled = {i: why for i, page in enumerate(s.pages) if (why := blocked(page))}
    walls = [f"{s.pages[i].what}: {why}" for i, why in walled.items()]
    leaks: list[dict[str, Any]] = []
    for i, page in enumerate(s.pages):
        if i in walled:
            continue
        r = page.answer
        m = LEAKS.search(r.body)
        if m:
            start = max(0, m.start() - 80)
            leaks.append({"page": page.what, "status": r.status, "url": r.url, "excerpt": r.body[start : m.end() + 80]})
    probes = len(s.pages) - 1  # the endpoint probes, after the unknown path
    reached = [i for i in range(1, len(s.pages)) if i not in walled]
    if not leaks and probes > 0 and not reached:
        # Every probe of the app's pages hit the login wall: error handling was not tested at all.
        raise Unmeasurable(f"{probes} of {probes} {BLOCKED}")
    return measured(
        not leaks,
        low_confidence=f"{probes - len(reached)} of {probes} {BLOCKED}" if probes and len(reached) < probes else None,
        summary=f"{leaks[0]['page']} leaks internals: {leaks[0]['excerpt'][:160]}" if leaks else None,
        checked=len(s.pages) - len(walled),
        leaks=leaks,
        server_errors=[f"{p.what}: {p.answer.status}" for p in s.pages if p.answer.status >= 500],
        redirected=walls[:10],
    )
