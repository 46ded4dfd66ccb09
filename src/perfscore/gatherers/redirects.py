"""Redirects: a 3xx is a success only if following it leads somewhere.

The load engine, like wrk, does not follow redirects: a 302 is an answer. An
app that sends every page to itself (or /a → /b → /a) would then look fast
and error-free. Before traffic, each GET endpoint's chain is followed (same
host, up to MAX_HOPS); when it loops or never ends, that endpoint's 3xx count
as errors (only 2xx are expected of it) and the caller says why. A probe of the target with the
gatherers' HTTP client, run by the caller (the audit session, the load command) before it starts an engine.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.http import fetch
from perfscore.loadmodel import Endpoint

REDIRECTS = (301, 302, 303, 307, 308)
MAX_HOPS = 5
MAX_URL = 8192


def redirect_problem(url: str, headers: dict[str, str], user_agent: str, timeout: float = 5.0) -> str | None:
    """Why following ``url``'s redirects leads nowhere (a loop, too many hops), or None."""
    host = urlsplit(url).netloc
    seen = [url]
    for hop in range(MAX_HOPS):
        try:
            r = fetch(url, headers=headers, timeout=timeout, user_agent=user_agent)
        except ProbeUnavailable:
            # The page itself not answering is the other checks' finding; a redirect to a page that does
            # not answer (or cannot even be requested) leads nowhere.
            return "redirects to a page that does not answer" if hop else None
        location = r.headers.get("location")
        if r.status not in REDIRECTS or not location:
            return None
        try:
            nxt = urljoin(url, location.strip())
            other_host = urlsplit(nxt).netloc != host
        except ValueError:
            return "redirects to something that is not a URL"
        if len(nxt) > MAX_URL or any(not ch.isprintable() for ch in nxt):
            return "redirects to a URL no client would follow (control characters or over 8 KB)"
        if other_host:
            return None  # another host (or https): not ours to follow
        if nxt in seen:
            chain = " → ".join(urlsplit(u).path or "/" for u in [*seen[seen.index(nxt) :], nxt])
            return f"redirects in a loop ({chain[:200]})"
        seen.append(nxt)
        url = nxt
    return f"redirects more than {MAX_HOPS} times"


def strict(endpoint: Endpoint) -> Endpoint:
    """The endpoint with only 2xx expected: its redirects lead nowhere, so they are failures."""
    if endpoint.expect_status:
        return endpoint
    return endpoint.model_copy(update={"expect_status": list(range(200, 300))})
