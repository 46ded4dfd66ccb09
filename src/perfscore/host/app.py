"""The app behind a URL on this machine, from its sockets: web server, PHP-FPM pool, web roots, logs.

``find_app`` is the one entry point: it follows the target's port to the server listening there, asks
that nginx master (``nginx -T``) which server block answers the URL, follows its ``fastcgi_pass`` to the
PHP-FPM master listening on that socket or port, and asks that master (``-tt``) where the pool logs.
Every step that fails leaves a reason; nothing is guessed from process names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from perfscore.host.fpm import FpmPool, pool_behind
from perfscore.host.nginx import Served, ask_master, serving

NOT_HERE = "not on this host"


@dataclass
class AppHost:
    """What this machine serves at a URL; ``reason`` says why nothing (or not everything) was found."""

    url: str
    local: bool = False
    port: int | None = None
    listener: str | None = None  # "nginx [1234]": the server listening on the target's port
    listener_pid: int | None = None
    nginx: Served | None = None
    pools: list[FpmPool] = field(default_factory=list)
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def web_roots(self) -> list[str]:
        return self.nginx.web_roots if self.nginx else []

    @property
    def logs(self) -> list[str]:
        """Error logs, most telling first: nginx's error log, each pool's PHP error log, the FPM log, slowlog."""
        seen: list[str] = []
        for p in [*(self.nginx.error_logs if self.nginx else []), *(p for pool in self.pools for p in pool.logs)]:
            if p not in seen:
                seen.append(p)
        return seen

    @property
    def master_pids(self) -> set[int]:
        return {p.master_pid for p in self.pools}


def target_of(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return (parts.hostname or "", port) if parts.hostname else None


CACHE_S = 30.0  # one audit asks several times (plan, memory, PHP): the servers are asked once
_cache: dict[str, tuple[float, AppHost]] = {}


def find_app(url: str) -> AppHost:
    """The app serving ``url`` on this machine; a remote URL gets ``reason`` "not on this host"."""
    import time

    now = time.monotonic()
    hit = _cache.get(url)
    if hit is not None and now - hit[0] < CACHE_S and _alive(hit[1]):
        return hit[1]
    found = _find_app(url)
    _cache[url] = (now, found)
    return found


def _alive(app: AppHost) -> bool:
    """The servers a cached answer names are still the ones running (a restart gives new pids)."""
    import psutil

    pids = [p for p in (app.listener_pid, *app.master_pids) if p is not None]
    return bool(pids) and all(psutil.pid_exists(p) for p in pids)


def _find_app(url: str) -> AppHost:
    from perfscore.host.listeners import is_this_machine, server_of, tcp_listeners

    found = AppHost(url=url)
    target = target_of(url)
    if target is None:
        found.reason = f"{url!r} has no host"
        return found
    host, port = target
    found.port = port
    if not is_this_machine(host):
        found.reason = f"{host} is {NOT_HERE}: this machine's processes say nothing about it"
        return found
    found.local = True
    pids, err = tcp_listeners(port)
    if err:
        found.reason = err
        return found
    if not pids:
        found.reason = f"nothing listens on port {port} on this host: no process here serves the target"
        return found
    server = server_of(pids)
    if server is None:
        found.reason = f"several servers listen on port {port} here"
        return found
    try:
        name = server.name()
    except Exception as exc:  # psutil.Error: it ended meanwhile
        found.reason = f"the process on port {port}: {type(exc).__name__}"
        return found
    found.listener, found.listener_pid = f"{name} [{server.pid}]", server.pid
    if "nginx" not in name:
        found.reason = f"{name} listens on port {port}: only nginx is asked for its web roots and upstreams"
        return found
    errors: list[str] = []
    asked = ask_master(server, errors)
    if asked is None:
        found.reason = "; ".join(errors)
        return found
    directives, prefix, compiled = asked
    served = serving(directives, host, port, prefix, compiled.get("error-log-path"), compiled.get("http-log-path"))
    if served is None:
        found.reason = f"nginx [{server.pid}] has no server block for port {port}"
        return found
    found.nginx = served
    found.notes += served.notes
    for fcgi in served.fastcgi:
        pool = pool_behind(fcgi, errors)
        if pool is not None and all(p.master_pid != pool.master_pid or p.name != pool.name for p in found.pools):
            found.pools.append(pool)
            found.notes += pool.notes
    found.notes += errors
    if not served.fastcgi:
        found.notes.append("the server block passes nothing to FastCGI (static or proxied): no PHP-FPM pool")
    return found


def web_roots(url: str) -> tuple[list[str], str | None]:
    """The directories nginx serves ``url`` from on this machine (each location's root or alias), or an
    empty list and why not (remote target, nothing listening, not nginx, nginx -T refused)."""
    app = find_app(url)
    if app.web_roots:
        return app.web_roots, None
    return [], app.reason or "the server block names no root"


# --- process patterns for `init`: the program and its port, never another argument of its command line ---

PROGRAM = re.compile(r"[A-Za-z0-9][\w.+-]{0,63}")


def pool_pattern(pool: FpmPool) -> str:
    return f"^php-fpm: pool {re.escape(pool.name)}\\s*$"  # PHP-FPM pads its process title


def other_pools_named(pool: FpmPool) -> int:
    """Workers of a pool of the same name under another master: a pool pattern would match them too."""
    import psutil

    n = 0
    for p in psutil.process_iter(["cmdline", "ppid"]):
        try:
            title = " ".join(p.info["cmdline"] or [])
            if re.search(pool_pattern(pool), title) and p.info["ppid"] != pool.master_pid:
                n += 1
        except (psutil.Error, TypeError):
            continue
    return n


def server_pattern(proc: Any, port: int) -> tuple[str | None, str]:
    """A pattern for this server: its program's name, plus the port when its command line shows it
    (redis-server's title ``127.0.0.1:6380``, ``--port=3307``). Nothing else of the command line goes in:
    not a configuration path, not a flag's value (``--api-key sk_live:1234`` looks like an address), not
    a title a process wrote itself. A program name that is no plain name gives no pattern, and the
    reason."""
    cmd: list[str] = proc.cmdline()
    words = " ".join(cmd).split()
    program = (words[0] if words else proc.name()).rsplit("/", 1)[-1].rstrip(":")
    if not PROGRAM.fullmatch(program):
        return None, f"the program on port {port} has no plain name"
    pattern = f"^(\\S*/)?{re.escape(program)}(\\s|$)"
    shown = rf"(^|[\s:=]){port}(\s|$)"
    if re.search(shown, " ".join(words[1:])):
        pattern += rf".*[\s:=]{port}(\s|$)"
    return pattern, program


def listener_pattern(port: int) -> tuple[str | None, str]:
    """A pattern for exactly the server listening on ``port`` here, or why not."""
    import psutil

    from perfscore.host.listeners import describe, server_of, tcp_listeners

    pids, err = tcp_listeners(port)
    if err:
        return None, err
    server = server_of(pids)
    if server is None:
        return None, describe(pids, f"port {port}").replace("nothing", "no process")
    try:
        pattern, what = server_pattern(server, port)
    except psutil.Error as exc:
        return None, f"the process on port {port}: {type(exc).__name__}"
    if pattern is None:
        return None, what
    others = matching_servers(pattern) - {server.pid}
    note = f"{what} on port {port}"
    if others:
        note += f" (the pattern also matches {len(others)} other server(s): narrow it by hand)"
    return pattern, note


def matching_servers(pattern: str) -> set[int]:
    """Top-level processes (whose parent does not match too) whose command line matches ``pattern``."""
    import psutil

    from perfscore.patterns import compile_pattern

    rx = compile_pattern(pattern)
    hits: dict[int, int] = {}
    for p in psutil.process_iter(["cmdline", "name", "ppid"]):
        try:
            cmd = " ".join(p.info["cmdline"] or []) or (p.info["name"] or "")
        except (psutil.Error, TypeError):
            continue
        if rx.search(cmd):
            hits[p.pid] = p.info["ppid"]
    return {pid for pid, ppid in hits.items() if ppid not in hits}
