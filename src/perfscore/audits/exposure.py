"""Exposure audit: no file that must never be public is served (secrets, dumps, .git, phpinfo)."""

from __future__ import annotations

from perfscore.artifacts.exposure import ExposureSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured


@audit(
    "http.no_exposed_files",
    title="No secret, dump or repository is served",
    category="error_handling",
    description="never-public paths (and files the page links to) answered 200 with content recognised as "
    "secrets, a dump, a repository or phpinfo, and not the site's fallback page; the kind, never the content",
    source="https://owasp.org/www-project-web-security-testing-guide/",
)
def no_exposed_files(s: ExposureSnapshot) -> Outcome:
    answered = [c for c in s.checks if c.error is None]
    if not answered:
        raise Unmeasurable("no never-public path could be requested")
    exposed = [c for c in answered if c.status == 200 and not c.fallback and c.kinds]
    return measured(
        not exposed,
        summary="served to anyone: " + "; ".join(f"{c.path} ({', '.join(c.kinds)})" for c in exposed[:6])
        if exposed
        else None,
        exposed=[{"path": c.path, "kinds": c.kinds, "bytes": c.bytes, "source": c.source} for c in exposed],
        checked=len(answered),
        fallback_status=s.fallback_status,
        unrecognised_200=[c.path for c in answered if c.status == 200 and not c.fallback and not c.kinds][:10],
    )
