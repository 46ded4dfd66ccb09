"""What this host says about the target, in the terms the gatherers take (web roots for the exposure check)."""

from __future__ import annotations

from pathlib import Path

from perfscore.gatherers.webroot import WebRoot


def web_roots(url: str) -> list[WebRoot]:
    """The directories nginx serves ``url`` from on this machine: each location's ``root`` (served under
    ``/``) and each prefix location's ``alias`` (served under that prefix). Empty for a remote target, or
    when nothing here says (the exposure check then keeps its fixed list)."""
    from perfscore.host.app import find_app

    app = find_app(url)
    if app.nginx is None:
        return []
    found: dict[tuple[str, str], WebRoot] = {}
    for loc in app.nginx.locations:
        if loc.root:
            found.setdefault((loc.root, "/"), WebRoot(Path(loc.root), "/"))
        prefix = loc.path.removeprefix("^~").strip()
        if loc.alias and prefix.startswith("/"):
            found.setdefault((loc.alias, prefix), WebRoot(Path(loc.alias), prefix))
    return list(found.values())
