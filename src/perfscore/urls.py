"""URLs as perfscore reads them: split, with their port, and errors that never repeat the URL.

Below the config (which checks the URLs it is given) and the load engine (which checks its target): it
imports nothing of perfscore.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

SCHEME_PORTS = {"http": 80, "https": 443}


def split_url(url: str, schemes: tuple[str, ...], default_port: int) -> tuple[SplitResult, int]:
    """``url`` split, with its port; a ValueError that never repeats the URL (it may hold a password)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", a port that is not a number
        raise ValueError(f"not a valid URL ({str(exc).lower()})") from None
    if parts.scheme.lower() not in schemes:
        shown = parts.scheme + "://" if parts.scheme else "no scheme"
        raise ValueError(f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}, not {shown}")
    if not parts.hostname:
        raise ValueError("the URL has no host")
    if port == 0:
        raise ValueError("port 0 is not a port to connect to")
    return parts, port or SCHEME_PORTS.get(parts.scheme.lower(), default_port)
