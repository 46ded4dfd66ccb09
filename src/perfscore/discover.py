"""Process patterns from the target itself, for `perfscore init`: they must not match another app.

The PHP-FPM pool comes from the status page behind the base URL (its ``pool`` field); a server
is the process listening on the given port, matched by its whole command line (another server of
the same program on this machine has another one). I/O only; nothing is changed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.http import fetch, join


@dataclass
class Discovered:
    app: list[str] | None = None
    database: list[str] | None = None
    cache: list[str] | None = None
    notes: list[str] = field(default_factory=list)


def fpm_pool(base_url: str, status_path: str = "/fpm-status?json") -> tuple[str | None, str]:
    """The pool's name from the FPM status page behind the base URL, or why not."""
    url = join(base_url, status_path)
    try:
        r = fetch(url, timeout=5.0)
    except ProbeUnavailable as exc:
        return None, str(exc)
    if r.status != 200:
        return None, f"{url} answered {r.status}"
    try:
        pool = json.loads(r.text()).get("pool")
    except (ValueError, AttributeError, RecursionError):
        return None, f"{url} is not PHP-FPM's JSON status page"
    if not isinstance(pool, str) or not re.fullmatch(r"[\w.-]{1,64}", pool):
        return None, f"{url} names no usable pool"
    return pool, url


def listener_pattern(port: int) -> tuple[str | None, str]:
    """A pattern for exactly the process listening on ``port`` here, or why not."""
    import psutil

    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError) as exc:
        return None, f"cannot list this machine's listeners ({type(exc).__name__}; run as root)"
    pids = {c.pid for c in conns if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid}
    if len(pids) != 1:
        return None, f"{'no process' if not pids else 'several processes'} listening on port {port} here"
    try:
        proc = psutil.Process(pids.pop())
        cmd = " ".join(proc.cmdline()).strip() or proc.name()  # titles are padded: no trailing spaces kept
    except psutil.Error as exc:
        return None, f"the process on port {port}: {type(exc).__name__}"
    if re.search(r"pass|secret|token", cmd, re.I):  # never write a secret into a config file
        return (
            f"^{re.escape(proc.name())}\\b",
            f"{proc.name()} on port {port} (by name: its command line holds a secret)",
        )
    return f"^{re.escape(cmd)}\\s*$", f"{proc.name()} on port {port}"


def discover(base_url: str | None, mysql_port: int | None, redis_port: int | None) -> Discovered:
    found = Discovered()
    if base_url:
        pool, where = fpm_pool(base_url)
        if pool:
            found.app = [f"^php-fpm: pool {re.escape(pool)}\\s*$"]  # PHP-FPM pads its process title
            found.notes.append(f"app: PHP-FPM pool {pool!r}, from {where}")
        else:
            found.notes.append(f"app: kept the default pattern ({where})")
    for role, port in (("database", mysql_port), ("cache", redis_port)):
        if port is None:
            continue
        pattern, why = listener_pattern(port)
        if pattern:
            setattr(found, role, [pattern])
            found.notes.append(f"{role}: {why}")
        else:
            found.notes.append(f"{role}: kept the default patterns ({why})")
    return found
