"""Error-page gatherer: a random unknown path and malformed variants of the configured endpoints."""

from __future__ import annotations

import secrets

from perfscore.artifacts.errors import ErrorPage, ErrorPagesSnapshot
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import MAX_BODY, fetch, join

MALFORMED_ENDPOINTS = 5


class ErrorPagesGatherer(Gatherer):
    name = "errors"

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def end(self) -> ErrorPagesSnapshot:
        t = self.ctx.config.target
        assert t.base_url is not None
        unknown = f"/perfscore-probe-{secrets.token_hex(6)}"
        nf = fetch(join(t.base_url, unknown), user_agent=t.user_agent, timeout=self.http_timeout)
        # Malformed input on the configured endpoints: the answers most likely to be a raw error page.
        # Error pages are searched whole (a debug page can hide its trace deep in its markup).
        pages = [ErrorPage(what="unknown path", answer=nf.answer(keep=MAX_BODY))]
        for ep in self.ctx.config.endpoints[:MALFORMED_ENDPOINTS]:
            bad_path = ep.path.split("?")[0].rstrip("/") + "/%00'\"<x>"
            try:
                r = fetch(join(t.base_url, bad_path), user_agent=t.user_agent, timeout=self.http_timeout)
            except ProbeUnavailable:
                continue  # one unreachable variant must not hide the others
            pages.append(ErrorPage(what=f"malformed {ep.label}", answer=r.answer(keep=MAX_BODY)))
        return ErrorPagesSnapshot(not_found_path=unknown, pages=pages)
