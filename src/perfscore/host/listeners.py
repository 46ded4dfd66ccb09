"""Which processes listen on a TCP port or a unix socket here, and the server (topmost of them) they belong to."""

from __future__ import annotations

import ipaddress
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def tcp_listeners(port: int) -> tuple[set[int], str | None]:
    """The pids holding a listening TCP socket on ``port`` (any address), or why they cannot be listed."""
    import psutil

    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError) as exc:
        return set(), f"cannot list this machine's listeners ({type(exc).__name__}; run as root)"
    pids = {c.pid for c in conns if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid}
    return pids, None


def unix_listeners(path: str) -> tuple[set[int], str | None]:
    """The pids holding the unix socket ``path`` open (a server's listening socket), or why not."""
    import psutil

    try:
        conns = psutil.net_connections(kind="unix")
    except (psutil.Error, OSError) as exc:
        return set(), f"cannot list this machine's unix sockets ({type(exc).__name__}; run as root)"
    want = os.path.realpath(path)
    pids = {c.pid for c in conns if c.pid and c.laddr and os.path.realpath(str(c.laddr)) == want}
    return pids, None


def server_of(pids: set[int]) -> Any | None:
    """The server these pids belong to: psutil names one holder per socket, a master's or any of its
    workers' (they share the listening socket), so each climbs to its topmost ancestor of the same program.
    None when none is found or they belong to several servers."""
    import psutil

    tops: dict[int, Any] = {}
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            name = proc.name()
            while (parent := proc.parent()) is not None and parent.pid != 1 and parent.name() == name:
                proc = parent
            tops[proc.pid] = proc
        except psutil.Error:
            continue
    return next(iter(tops.values())) if len(tops) == 1 else None


def describe(pids: set[int], where: str) -> str:
    return f"{'nothing' if not pids else 'several servers'} listening on {where} here"


def is_this_machine(host: str, timeout: float = 2.0) -> bool:
    """Loopback, or an address of one of this machine's interfaces; a name that does not resolve
    in ``timeout`` seconds counts as another machine (its processes are not ours to score)."""
    import psutil

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        addrs = {ipaddress.ip_address(host)}
    except ValueError:
        pool = ThreadPoolExecutor(1)
        try:
            infos = pool.submit(socket.getaddrinfo, host, None).result(timeout)
            addrs = {ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos}
        except (OSError, TimeoutError, ValueError):
            return False
        finally:
            pool.shutdown(wait=False)
    local = {
        ipaddress.ip_address(a.address.split("%")[0])
        for nics in psutil.net_if_addrs().values()
        for a in nics
        if a.family in (socket.AF_INET, socket.AF_INET6)
    }
    return all(a.is_loopback or a in local for a in addrs)
