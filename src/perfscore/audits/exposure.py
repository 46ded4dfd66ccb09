"""Exposure audit: no file that must never be public is served (secrets, dumps, .git, installers …)."""

from __future__ import annotations

from perfscore.artifacts.exposure import INSTALLER, KINDS, SETUP_KINDS, ExposureSnapshot, PathCheck
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured


def served(c: PathCheck) -> bool:
    """The answer is the file: a 2xx that is not the site's fallback page, and either content a
    recogniser knows or exactly the file's size on disk. An installer counts when it shows a setup form,
    says the GET itself installed or wrote the config, or is served as source; one that answers "already
    installed" is not exposed. A setup form on any other page (a login form) counts for nothing."""
    if c.error is not None or not 200 <= c.status < 300 or c.fallback:
        return False
    if c.kind == INSTALLER:
        return any(k in SETUP_KINDS for k in c.kinds) or c.matches_disk
    return any(k not in SETUP_KINDS for k in c.kinds) or c.matches_disk


def _runs(c: PathCheck) -> bool:
    """An installer that runs for anyone: it shows its setup form or says the GET installed. One served as
    its source (a plugin's ``views/setup.php`` sent as text by a ``location`` that never reaches PHP) cannot
    rewrite the config: its code is public, which is a finding of its own."""
    return c.kind == INSTALLER and any(k in SETUP_KINDS for k in c.kinds)


def _severity(c: PathCheck) -> int:
    return -1 if _runs(c) else 0


def _label(c: PathCheck) -> str:
    if c.kind == INSTALLER and not _runs(c):
        return f"{c.path} (a setup script's source, sent as a file: the server does not run it)"
    kinds = list(c.kinds) or ([c.kind] if c.kind else [])
    return f"{c.path} ({', '.join(kinds)})"


@audit(
    "http.no_exposed_files",
    title="No secret, dump, installer or repository is served",
    category="error_handling",
    description="files that must never be public (in the web roots on the app's host, a fixed list, and suspicious "
    "paths the site links to) answered 2xx as themselves, not as the site's fallback page; an installer that "
    "shows its setup form to anyone leads; the path and kind, never the content",
    source="https://owasp.org/www-project-web-security-testing-guide/",
)
def no_exposed_files(s: ExposureSnapshot) -> Outcome:
    answered = [c for c in s.checks if c.error is None]
    if not answered:
        raise Unmeasurable("no never-public path could be requested")
    exposed = sorted((c for c in answered if served(c)), key=_severity)  # stable: installers first
    installers = [c for c in exposed if _severity(c) < 0]
    parts = []
    if installers:
        parts.append(
            "an installer answers anyone: "
            + ", ".join(c.path for c in installers[:3])
            + " (anyone can rewrite the config with it)"
        )
    rest = [c for c in exposed if _severity(c) == 0]
    if rest:
        parts.append("served to anyone: " + "; ".join(_label(c) for c in rest[:6]))
    order = {k: i for i, k in enumerate(KINDS)}
    advice = (
        f"Delete {installers[0].path} (and every installer or setup script) from the web root now, or deny it "
        "in the web server: anyone can run it and rewrite the config. Then remove the other files listed in the "
        "evidence and rotate every secret they held: they have been public."
        if installers
        else None
    )
    return measured(
        not exposed,
        summary=". ".join(parts) if parts else None,
        advice=advice,
        exposed=[
            {"path": c.path, "kind": c.kind, "kinds": c.kinds, "bytes": c.bytes, "source": c.source} for c in exposed
        ],
        exposed_kinds=sorted({c.kind for c in exposed if c.kind}, key=lambda k: order.get(k, len(order))),
        checked=len(answered),
        fallback_status=s.fallback_status,
        unrecognised_200=[c.path for c in answered if 200 <= c.status < 300 and not c.fallback and not served(c)][:10],
        web_roots=[
            {"root": r.root, "entries": r.entries, "selected": r.selected, "cut": r.cut, "error": r.error}
            for r in s.roots
        ],
        not_requested=s.cut,
    )
