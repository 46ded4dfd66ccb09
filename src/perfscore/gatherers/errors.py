"""Error-page gatherer: a random unknown path, malformed variants of the configured endpoints, and
variants that reach the application and make it fail (a parameter sent as an array, an id out of range).

nginx rejects a malformed URL with 400 before PHP runs, so malformed URLs alone never show what the
application's own error pages leak; the app variants do.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit

from perfscore.artifacts.errors import ErrorPage, ErrorPagesSnapshot
from perfscore.gatherers.base import GatherContext, Gatherer, ProbeUnavailable
from perfscore.gatherers.http import MAX_BODY, fetch, join

MALFORMED_ENDPOINTS = 5
APP_VARIANTS = 8  # requests that reach the app, at most
HUGE_ID = "99999999999999999999"


def app_variants(path: str) -> list[tuple[str, str]]:
    """(what, path) variants of an endpoint that pass the web server and upset the application."""
    parts = urlsplit(path)
    out = []
    query = parse_qsl(parts.query, keep_blank_values=True)
    if query:
        key, value = query[0]
        arrayed = urlencode([(f"{key}[]", value), *query[1:]])
        out.append((f"parameter {key} sent as an array", f"{parts.path}?{arrayed}"))
    if re.search(r"/\d+(?=/|$)", parts.path):
        huge = re.sub(r"/\d+(?=/|$)", f"/{HUGE_ID}", parts.path, count=1)
        out.append(("an id out of range", huge + (f"?{parts.query}" if parts.query else "")))
    return out


class ErrorPagesGatherer(Gatherer):
    """``headers`` go with every probe (the session's cookie): without them a logged-in app answers each
    probe with its login redirect, and the probes test the login wall, not the app."""

    name = "errors"

    def __init__(self, ctx: GatherContext, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(ctx)
        self.headers = dict(headers or {})

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def _page(self, what: str, path: str) -> ErrorPage | None:
        t = self.ctx.config.target
        assert t.base_url is not None
        try:
            r = fetch(
                join(t.base_url, path),
                headers={**self.target_headers, **self.headers},
                user_agent=t.user_agent,
                timeout=self.http_timeout,
            )
        except ProbeUnavailable:
            return None  # one unreachable variant must not hide the others
        # Error pages are kept whole: a debug page can hide its trace deep in its markup.
        return ErrorPage(what=what, answer=r.answer(keep=MAX_BODY))

    def end(self) -> ErrorPagesSnapshot:
        t = self.ctx.config.target
        assert t.base_url is not None
        unknown = f"/perfscore-probe-{secrets.token_hex(6)}"
        nf = fetch(
            join(t.base_url, unknown),
            headers={**self.target_headers, **self.headers},
            user_agent=t.user_agent,
            timeout=self.http_timeout,
        )
        pages: list[ErrorPage | None] = [ErrorPage(what="unknown path", answer=nf.answer(keep=MAX_BODY))]
        endpoints = [e for e in self.ctx.config.endpoints if e.method == "GET"]
        for ep in self.ctx.config.endpoints[:MALFORMED_ENDPOINTS]:
            bad_path = ep.path.split("?")[0].rstrip("/") + "/%00'\"<x>"
            pages.append(self._page(f"malformed {ep.label}", bad_path))
        for ep in endpoints[:MALFORMED_ENDPOINTS]:  # as configured: a failing page says why, or nothing
            page = self._page(f"{ep.label} as configured", ep.path)
            if page is not None and page.answer.status >= 500:
                pages.append(page)
        variants = [(f"{ep.label}: {what}", path) for ep in endpoints for what, path in app_variants(ep.path)]
        for what, path in variants[:APP_VARIANTS]:
            pages.append(self._page(what, path))
        return ErrorPagesSnapshot(not_found_path=unknown, pages=[p for p in pages if p is not None])
