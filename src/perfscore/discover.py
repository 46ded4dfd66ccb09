"""What `perfscore init` (and an audit without a config) learns from this machine: I/O only, nothing changed.

The app's processes come from sockets, not names: the server listening on the URL's port is nginx, its
``fastcgi_pass`` leads to the PHP-FPM master listening there, and that master's pool is the app's
(``perfscore.host.app``). The database and cache are the servers listening on their ports. Logs come
from the servers themselves: nginx's error log, the pool's PHP error log and slowlog, MariaDB's
``log_error`` and slow log file. Patterns name a program and its pool or configuration file, never a
whole command line (it may hold a password).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfscore.errors import PerfscoreError
from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.http import fetch, join

if TYPE_CHECKING:
    from perfscore.config import MySQLConfig
    from perfscore.host.app import AppHost

MYSQL_PASSWORD_ENV = "PERFSCORE_MYSQL_PASSWORD"  # what init's config names: init reads it too when set


@dataclass
class Discovered:
    app: list[str] | None = None
    database: list[str] | None = None
    cache: list[str] | None = None
    logs: list[str] = field(default_factory=list)
    access_logs: list[str] = field(default_factory=list)  # the target's server block's, for init's slo:
    web_roots: list[str] = field(default_factory=list)
    host: AppHost | None = None
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
    """A pattern for exactly the server listening on ``port`` here, or why not."""
    from perfscore.host.app import listener_pattern as pattern

    return pattern(port)


def mysql_variables(mysql: MySQLConfig, base_dir: Path) -> tuple[dict[str, str], str | None]:
    """The server's log variables (``SHOW GLOBAL VARIABLES``, no privilege needed), or why not; within the
    config's connect timeout (a server that never answers costs what it costs the audit's own probe)."""
    import pymysql

    from perfscore.config import resolve_password
    from perfscore.errors import PerfscoreError
    from perfscore.gatherers.clients import mysql_connect
    from perfscore.host.mariadb import VARIABLES

    try:
        password = resolve_password(mysql, base_dir, "mysql")
    except PerfscoreError as exc:
        return {}, str(exc)
    if password is None and mysql.password_env:
        return {}, f"set {mysql.password_env} to let perfscore read the database's log variables"
    try:
        conn = mysql_connect(
            host=mysql.host,
            port=mysql.port,
            user=mysql.user,
            password=password or "",
            database=None,
            connect_timeout=mysql.connect_timeout_s,
            read_timeout=mysql.connect_timeout_s,
            allow_cleartext=mysql.allow_cleartext_password,
        )
    except (pymysql.MySQLError, OSError) as exc:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        why = "access denied" if code == 1045 else "timeout" if _timed_out(exc) else type(exc).__name__
        return {}, f"{mysql.host}:{mysql.port}: {why}"
    try:
        with conn.cursor() as cur:
            marks = ", ".join(["%s"] * len(VARIABLES))
            cur.execute(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({marks})", VARIABLES)
            rows = cur.fetchall()
    except pymysql.MySQLError as exc:
        return {}, f"SHOW GLOBAL VARIABLES: {type(exc).__name__}"
    finally:
        conn.close()
    text = {str(k): (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)) for k, v in rows}
    return text, None


def _timed_out(exc: BaseException) -> bool:
    """pymysql wraps a socket timeout in OperationalError 2013 ("Lost connection … timed out")."""
    return isinstance(exc, TimeoutError) or "timed out" in str(exc).lower()


def _app(found: Discovered, base_url: str, status_page: bool) -> None:
    from perfscore.host.app import find_app, other_pools_named, pool_pattern

    app = find_app(base_url)
    found.host = app
    if not app.local:
        found.notes.append(f"app: {app.reason}")
        return
    found.web_roots = app.web_roots
    found.logs += app.logs
    found.access_logs = list(app.nginx.access_logs) if app.nginx else []
    if app.nginx is not None:
        found.notes.append(
            f"app: {app.listener} answers port {app.port}; web roots {', '.join(app.web_roots) or 'none'}"
        )
    for pool in app.pools:
        clash = other_pools_named(pool)
        found.notes.append(
            f"app: PHP-FPM pool {pool.name!r} of master [{pool.master_pid}] ({pool.config or 'default config'}), "
            "behind nginx's fastcgi_pass"
            + (f"; {clash} worker(s) of another master have the same pool name: narrow by hand" if clash else "")
        )
    found.notes += [f"app: {n}" for n in app.notes if not n.startswith("server block")]
    if app.pools:
        found.app = [pool_pattern(p) for p in app.pools]
        return
    if app.reason:
        found.notes.append(f"app: {app.reason}")
    if not status_page:
        return
    name, where = fpm_pool(base_url)  # the status page behind the URL names the pool the target uses
    if name:
        found.app = [f"^php-fpm: pool {re.escape(name)}\\s*$"]  # PHP-FPM pads its process title
        found.notes.append(f"app: PHP-FPM pool {name!r}, from {where}")
    else:
        found.notes.append(f"app: kept the default pattern ({where})")


def discover(
    base_url: str | None,
    mysql_port: int | None,
    redis_port: int | None,
    mysql: MySQLConfig | None = None,
    base_dir: Path | None = None,
    status_page: bool = True,
) -> Discovered:
    """Patterns, logs and web roots of the app at ``base_url`` and the servers on the given ports.

    ``mysql`` is how to reach the database for its log variables (init: user perfscore, the password in
    PERFSCORE_MYSQL_PASSWORD when set); without it the database's logs are not looked up. ``status_page``:
    when the sockets name no pool, ask the FPM status page behind the URL for its pool's name (init).
    """
    from pathlib import Path

    found = Discovered()
    if base_url:
        _app(found, base_url, status_page)
    for role, port in (("database", mysql_port), ("cache", redis_port)):
        if port is None:
            continue
        pattern, why = listener_pattern(port)
        if pattern:
            setattr(found, role, [pattern])
            found.notes.append(f"{role}: {why}")
        else:
            found.notes.append(f"{role}: kept the default patterns ({why})")
    if mysql is not None and found.database:
        from perfscore.host.mariadb import log_files

        variables, problem = mysql_variables(mysql, base_dir or Path("."))
        if problem:
            found.notes.append(f"database logs: {problem}")
        else:
            files, notes = log_files(variables)
            found.logs += [f for f in files if f not in found.logs]
            found.notes += [f"database logs: {n}" for n in notes]
    return found


def slo_of(found: Discovered) -> tuple[str, str]:
    """init's ``slo:`` section from the busiest minute of the target's access log (LoanFlow's KPIs, commented
    out, when none can be read), and a note on what was read."""
    from perfscore.config import slo_section
    from perfscore.host.accesslog import proposed_slo, read_peak

    peak, note = read_peak(found.access_logs)
    if peak is None:
        return default_slo(note)
    rps, users, source = proposed_slo(peak)
    return slo_section(rps, users, source), f"slo: {rps:g} req/s, {users:,} users ({note})"


def default_slo(why: str) -> tuple[str, str]:
    """init's ``slo:`` section when the site's own peak is unknown: LoanFlow's KPIs, commented out, and why."""
    from perfscore.config import slo_section

    return slo_section(None, None, why), f"slo: LoanFlow's KPIs left as the default ({why})"


def from_traffic(paths: list[Path], log_format: str | None) -> tuple[str, str, str]:
    """init's ``endpoints:`` and ``slo:`` from real traffic: the top GET routes of the access logs by count
    (writes never: a load test must not post data), each with a path users really asked for; the SLO's peak
    from the busiest minute. Returns (endpoints section, slo section, a note)."""
    import urllib.parse
    from datetime import UTC, datetime

    from pydantic import ValidationError

    from perfscore.config import MAX_INIT_ENDPOINTS, slo_section
    from perfscore.field.read import read_logs
    from perfscore.host.accesslog import Peak, proposed_slo
    from perfscore.loadmodel import Endpoint
    from perfscore.routes import endpoint_name, is_asset
    from perfscore.sanitize import one_line

    s = read_logs(paths, log_format)
    names = ", ".join(str(p) for p in paths)
    gets = [
        r
        for r in s.routes
        if r.method == "GET" and not is_asset(r.sample.split("?", 1)[0]) and r.errors_4xx * 2 < r.requests
    ]
    chosen: list[tuple[Any, str]] = []
    for r in gets:  # a path users sent, made safe for a URL and a YAML file; one a config refuses is skipped
        path = urllib.parse.quote(r.sample, safe="/?&=%:@!$'()*+,;~-._")
        try:
            Endpoint(name="x", path=path)
        except ValidationError:
            continue
        chosen.append((r, path))
        if len(chosen) == MAX_INIT_ENDPOINTS:
            break
    if not chosen:
        raise PerfscoreError(
            f"{names}: no GET route answered users in {s.lines:,} lines ({s.malformed:,} not requests in the format "
            "given: pass the server's log_format with --log-format)."
        )
    total = sum(r.requests for r, _ in chosen)
    lines = [
        f"# Endpoints from real traffic ({one_line(names)[:200]}: {s.requests:,} user requests, {_when(s.first_ts)} "
        f"to {_when(s.last_ts)}):",
        "# the top GET routes by count, a path users asked for each; weight = its share of them in 1,000 (the mix).",
        "# Writes are never loaded. Health checks, bots and perfscore's own requests left out.",
        "endpoints:",
    ]
    taken: list[str] = []
    for r, path in chosen:
        name = endpoint_name(urllib.parse.quote(r.route, safe="/?&={}"), taken)
        taken.append(name)
        # Comments hold only ASCII: a route's text is the users' (a U+2028 in it would end the comment).
        notes = [json.dumps(r.route)] if r.route != r.sample else []
        notes += [f"{r.errors_5xx:,} answered 5xx: a failing route, kept as a finding"] if r.errors_5xx else []
        note = f"  # {'; '.join(notes)}" if notes else ""
        weight = max(1, round(1000 * r.requests / total))
        lines.append(f"  - {{name: {name}, path: {json.dumps(path)}, weight: {weight}}}{note}")
    gets = [r for r, _ in chosen]
    if len(s.routes) > len(gets):
        more = len(s.routes) - len(gets)
        lines.append(f"  # … {more} other route{'s' if more > 1 else ''} left out (writes, assets, 4xx, lighter)")
    minute = datetime.fromtimestamp(s.peak_minute_at, UTC).strftime("%d/%b/%Y:%H:%M") if s.peak_minute_at else "?"
    peak = Peak(names, minute, s.peak_minute, 0, s.requests, max(1, round(s.period_s / 60)))
    rps, users, source = proposed_slo(peak)
    if s.concurrency is not None and s.concurrency > users:  # the log's own $request_time says more are in flight
        users = math.ceil(s.concurrency)
        source += f"; {s.concurrency:,.1f} requests in flight in that minute by its own request times (Little's law)"
    note = f"endpoints: {len(gets)} GET routes of {s.requests:,} user requests; slo: {rps:g} req/s, {users:,} users"
    return "\n".join(lines) + "\n", slo_section(rps, users, source), note


def _when(ts: float | None) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC") if ts is not None else "?"
