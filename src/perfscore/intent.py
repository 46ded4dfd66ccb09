"""What the operator means, inferred from what exists, for ``perfscore init``.

- Redis: a ``PING`` answered ``-NOAUTH`` wants a password (``password_env`` is written); ``+PONG`` wants
  none (no password section is written, so the audit asks for none).
- Replicas: expected only when the primary lists replicas (``SHOW REPLICA HOSTS`` / ``SHOW SLAVE HOSTS`` /
  ``SHOW REPLICAS``) or the user says so; a list that cannot be read asks nothing and writes false.
- Status pages: PHP-FPM's and OPcache's are tried at their common paths and written only when they answer.
- Stack facts: the framework the home page shows and the database client the pool's PHP loads, said as notes.

I/O only, bounded (short timeouts, a handful of requests); nothing is changed on any server.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.http import fetch, join

FPM_STATUS_PATHS = ("/fpm-status?json", "/status?json", "/php-fpm-status?json")
OPCACHE_STATUS_PATHS = ("/opcache-status", "/opcache-status.php", "/opcache_status.php", "/opcache.php?json")
TIMEOUT_S = 3.0


@dataclass
class Intent:
    redis_auth: bool | None = None  # None: not told (Redis did not answer)
    replicas: bool | None = None
    replicas_note: str = ""
    databases: list[str] | None = None  # the schemas perfscore's user sees (None: no login)
    fpm_status: str | None = None
    opcache_status: str | None = None
    tried_fpm: bool = False
    tried_opcache: bool = False
    notes: list[str] = field(default_factory=list)


def ping_reply(reply: bytes) -> bool | None:
    """Whether Redis wants a password, from its answer to an unauthenticated PING; None: not Redis's answer."""
    if reply.startswith(b"+PONG"):
        return False
    if reply.startswith(b"-NOAUTH") or reply.startswith(b"-ERR operation not permitted"):
        return True
    return None


def redis_auth(host: str, port: int, timeout: float = TIMEOUT_S) -> tuple[bool | None, str]:
    """PING without AUTH: True (NOAUTH), False (PONG) or None, with what was seen."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"PING\r\n")
            reply = s.recv(256)
    except OSError as exc:
        return None, f"Redis on port {port} did not answer PING ({exc.strerror or type(exc).__name__})"
    wants = ping_reply(reply)
    if wants is None:
        return None, f"port {port} did not answer PING as Redis does"
    said = "NOAUTH: a password is required" if wants else "PONG: no password"
    return wants, f"Redis on port {port} answered PING with {said}"


def replica_count(rows_by_statement: dict[str, int | str]) -> tuple[int | None, str]:
    """The replicas listed by the first statement that worked, or None and the first error."""
    errors = []
    for stmt, got in rows_by_statement.items():
        if isinstance(got, int):
            return got, stmt
        errors.append(f"{stmt}: {got}")
    return None, "; ".join(errors)[:300] or "no statement tried"


SYSTEM_SCHEMAS = {"information_schema", "mysql", "performance_schema", "sys"}


def _login(host: str, port: int, user: str) -> tuple[Any, str]:
    """A connection as ``user`` with PERFSCORE_MYSQL_PASSWORD (what init's config names), or None and why."""
    import pymysql

    from perfscore.gatherers.clients import mysql_connect

    try:
        conn = mysql_connect(
            host=host,
            port=port,
            user=user,
            password=os.environ.get("PERFSCORE_MYSQL_PASSWORD", ""),
            database=None,
            connect_timeout=TIMEOUT_S,
            read_timeout=TIMEOUT_S,
        )
    except (pymysql.MySQLError, OSError) as exc:
        return None, f"no login as {user} on port {port} ({type(exc).__name__})"
    return conn, ""


def mysql_databases(host: str, port: int, user: str = "perfscore") -> tuple[list[str] | None, str]:
    """The application schemas perfscore's user sees on the server (its grants name them), or None and why."""
    import pymysql

    conn, why = _login(host, port, user)
    if conn is None:
        return None, why
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES")
            names = sorted(str(r[0]) for r in cur.fetchall() if str(r[0]).lower() not in SYSTEM_SCHEMAS)
    except pymysql.MySQLError as exc:
        return None, f"SHOW DATABASES: {type(exc).__name__}"
    finally:
        conn.close()
    return names, f"{user} sees {len(names)} schema{'s' if len(names) != 1 else ''}: {', '.join(names[:8])}"


def mysql_replicas(host: str, port: int, user: str = "perfscore") -> tuple[bool | None, str]:
    """Whether the primary on ``port`` has replicas, logging in as ``user`` (PERFSCORE_MYSQL_PASSWORD)."""
    import pymysql

    conn, why = _login(host, port, user)
    if conn is None:
        return None, why
    got: dict[str, int | str] = {}
    try:
        for stmt in ("SHOW REPLICA HOSTS", "SHOW SLAVE HOSTS", "SHOW REPLICAS"):
            try:
                with conn.cursor() as cur:
                    cur.execute(stmt)
                    got[stmt] = len(cur.fetchall())
                break
            except pymysql.MySQLError as exc:
                got[stmt] = str(exc.args[-1] if exc.args else exc)[:120]
    finally:
        conn.close()
    n, where = replica_count(got)
    if n is None:
        return None, f"cannot list replicas ({where})"
    return n > 0, f"{where}: {n} replica{'s' if n != 1 else ''}"


def _answers(base_url: str, path: str, user_agent: str) -> tuple[int, str] | None:
    try:
        r = fetch(join(base_url, path), timeout=TIMEOUT_S, user_agent=user_agent)
    except ProbeUnavailable:
        return None
    return r.status, r.text()


def is_fpm_status(status: int, body: str) -> bool:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return status == 200 and isinstance(doc, dict) and "pool" in doc and "accepted conn" in doc


def is_opcache_status(path: str, status: int, body: str) -> bool:
    from perfscore.gatherers.php import parse_opcache

    s = parse_opcache(path, status, body)
    return s.error is None and s.enabled is not None


def status_pages(base_url: str, user_agent: str, intent: Intent) -> None:
    intent.tried_fpm = intent.tried_opcache = True
    for path in FPM_STATUS_PATHS:
        got = _answers(base_url, path, user_agent)
        if got and is_fpm_status(*got):
            intent.fpm_status = path
            intent.notes.append(f"monitoring: PHP-FPM status page at {path}")
            break
    else:
        intent.notes.append(f"monitoring: no PHP-FPM status page at {', '.join(FPM_STATUS_PATHS)} (left out)")
    for path in OPCACHE_STATUS_PATHS:
        got = _answers(base_url, path, user_agent)
        if got and is_opcache_status(path, *got):
            intent.opcache_status = path
            intent.notes.append(f"monitoring: OPcache status at {path}")
            break
    else:
        intent.notes.append("monitoring: no OPcache status page found (left out)")


def stack_notes(base_url: str | None, user_agent: str) -> list[str]:
    """The framework the home page shows, as a note (the audit saves it as a stack fact)."""
    from perfscore.gatherers.stack import page_facts

    if not base_url:
        return []
    try:
        r = fetch(join(base_url, "/"), timeout=TIMEOUT_S, user_agent=user_agent)
    except ProbeUnavailable as exc:
        return [f"stack: the home page did not answer ({exc})"]
    facts, why = page_facts(r.headers, r.text(), [], "the home page")
    fw = facts.get("framework")
    return [f"stack: {fw.value} ({fw.source})"] if fw else [f"stack: {w}" for w in why]


def infer(
    base_url: str | None,
    mysql_port: int | None,
    redis_port: int | None,
    replicas: bool | None = None,
    user_agent: str = "perfscore",
) -> Intent:
    intent = Intent()
    if redis_port is not None:
        intent.redis_auth, why = redis_auth("127.0.0.1", redis_port)
        intent.notes.append(f"redis: {why}")
    if replicas is not None:
        intent.replicas, intent.replicas_note = replicas, "as told (--replicas / --no-replicas)"
    if mysql_port is not None:
        intent.databases, seen = mysql_databases("127.0.0.1", mysql_port)
        intent.notes.append(f"database: {seen}")
    if replicas is None and mysql_port is not None:
        has, why = mysql_replicas("127.0.0.1", mysql_port)
        intent.replicas = bool(has)
        intent.replicas_note = why if has is not None else f"{why}; true if it should have replicas"
        intent.notes.append(f"database: replicas_expected: {str(intent.replicas).lower()} ({intent.replicas_note})")
    if base_url:
        status_pages(base_url, user_agent, intent)
        intent.notes += stack_notes(base_url, user_agent)
    return intent
