"""Cache-Control read as RFC 9111 reads it, for http.route_cache_headers: whether a shared cache may serve a
per-visitor answer to others without asking the origin (a review found the first version's regexes wrong on
qualified private/no-cache, max-age=0, quoted values and look-alike names)."""

from __future__ import annotations

import pytest

from perfscore.audits.unloaded import directives, shared_may_serve


@pytest.mark.parametrize(
    ("cache_control", "authorization", "shared"),
    [
        ("public, max-age=600", False, True),
        ("private, max-age=60", False, False),
        ("max-age=0, private", False, False),
        ("public, max-age=0", False, False),  # stored, but never served without asking the origin
        ("no-cache, max-age=600", False, False),  # likewise
        ('public, max-age=600, no-cache="Set-Cookie"', False, True),  # keeps out one header, not the page
        ('private="Set-Cookie", max-age=600', False, True),
        ("max-age=600", True, False),  # a request with Authorization: a shared cache does not store it (§3.5)
        ("max-age=600, must-revalidate", True, True),
        ("s-maxage=30", True, True),
        ("x-public-foo", False, False),
        ('max-age="600"', False, True),
        ("", False, False),
        ("public", False, True),  # heuristic freshness
        ("no-store", False, False),
        ("PUBLIC, MAX-AGE=60", False, True),
    ],
)
def test_a_shared_cache_may_serve_it_as_rfc_9111_says(cache_control: str, authorization: bool, shared: bool) -> None:
    assert shared_may_serve(cache_control, authorization=authorization) is shared, directives(cache_control)


def test_directives_are_read_quote_aware() -> None:
    assert directives('private="Set-Cookie, X-Token", max-age=5') == {"private": "Set-Cookie, X-Token", "max-age": "5"}
