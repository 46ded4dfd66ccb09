"""``perfscore config check``: touch every configured component once, in a few seconds, and say how it went.

One function per component, each returning ``Check`` lines (never raising): the HTTP base URL, the MySQL
login and its grants, Redis's auth, Prometheus, each log file, each process pattern. They run in parallel
with short timeouts. No secret is in any line: a password is never echoed, only whether it worked.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from perfscore.config import Config, resolve_password
from perfscore.errors import PerfscoreError
from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.clients import mysql_connect, redis_client
from perfscore.gatherers.cluster import Prometheus
from perfscore.gatherers.http import fetch, join
from perfscore.gatherers.memory import app_host, processes_matching
from perfscore.gatherers.redis import _reason as redis_reason
from perfscore.host.listeners import is_this_machine
from perfscore.sanitize import clean
from perfscore.urls import split_url

TIMEOUT_S = 3.0
Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    component: str
    status: Status
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def _short(text: str, n: int = 200) -> str:
    return clean(text, oneline=True)[:n]


def check_http(cfg: Config) -> list[Check]:

    base = cfg.target.base_url
    if not base:
        return [Check("http", "skip", "no target.base_url")]
    try:
        r = fetch(join(base, "/"), timeout=TIMEOUT_S, user_agent=cfg.target.user_agent)
    except ProbeUnavailable as exc:
        return [Check("http", "fail", str(exc))]
    if r.status >= 500:
        return [Check("http", "fail", f"{base}/ answered {r.status}")]
    return [Check("http", "ok", f"{base}/ answered {r.status} in {r.total_ms:.0f} ms")]


# The least-privilege grants docs/auditing.md documents, as (privileges, on): any one of the
# alternatives of a tuple of privileges is enough (MariaDB's names, then MySQL 8's).
WANTED: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("SELECT",), "performance_schema.*", "statement digests"),
    (("SELECT",), "mysql.slow_log", "the slow log's statements"),
    (("REFERENCES", "SELECT"), "{db}.*", "table sizes and indexes"),
    (("REPLICATION MASTER ADMIN", "REPLICATION SLAVE", "REPLICATION CLIENT"), "*.*", "the replica list"),
    (("SLAVE MONITOR", "REPLICA MONITOR", "REPLICATION CLIENT"), "*.*", "replica status"),
)
GRANT_ROW = re.compile(r"^GRANT (?P<privs>.+?) ON (?P<on>\S+) TO ", re.I)


def _unquote(on: str) -> str:
    return on.replace("`", "")


def parse_grants(rows: list[str]) -> dict[str, set[str]]:
    """SHOW GRANTS rows → object (``db.*``, ``*.*``, ``db.table``) → privileges (upper case, column lists dropped)."""
    out: dict[str, set[str]] = {}
    for row in rows:
        m = GRANT_ROW.match(row.strip())
        if not m:
            continue
        privs = re.sub(r"\([^)]*\)", "", m["privs"])  # SELECT (id, name): column grants count for the table
        out.setdefault(_unquote(m["on"]), set()).update(p.strip().upper() for p in privs.split(",") if p.strip())
    return out


def _has(grants: dict[str, set[str]], privs: tuple[str, ...], on: str) -> bool:
    db, _, table = on.partition(".")
    for obj in ("*.*", f"{db}.*", on):
        have = grants.get(obj, set())
        if "ALL PRIVILEGES" in have or "ALL" in have or any(p in have for p in privs):
            return True
    return False


def missing_grants(rows: list[str], database: str | None) -> tuple[list[str], list[str]]:
    """(the documented grants these rows lack, warnings about grants too wide) for the probe's user."""
    grants = parse_grants(rows)
    missing = []
    for privs, on, why in WANTED:
        if "{db}" in on:
            if not database:
                continue
            on = on.format(db=database)
        if not _has(grants, privs, on):
            missing.append(f"{privs[0]} ON {on} ({why})")
    wide = []
    every = grants.get("*.*", set())
    if "SELECT" in every or "ALL PRIVILEGES" in every:
        wide.append("SELECT ON *.* reads the app's rows and password hashes: grant only the documented ones")
    return missing, wide


def check_mysql(cfg: Config) -> list[Check]:
    import pymysql

    m = cfg.mysql
    if m is None:
        return [Check("mysql", "skip", "no mysql section")]
    where = f"{m.user}@{m.host}:{m.port}"
    try:
        password = resolve_password(m, cfg.base_dir, "mysql") or ""
    except PerfscoreError as exc:
        return [Check("mysql", "fail", exc.message)]
    try:
        conn = mysql_connect(
            host=m.host,
            port=m.port,
            user=m.user,
            password=password,
            database=m.database,
            connect_timeout=min(TIMEOUT_S, m.connect_timeout_s),
            read_timeout=TIMEOUT_S,
            allow_cleartext=m.allow_cleartext_password,
        )
    except pymysql.MySQLError as exc:
        code = exc.args[0] if exc.args else None
        why = "access denied (user or password)" if code == 1045 else _short(str(exc.args[-1] if exc.args else exc))
        return [Check("mysql", "fail", f"{where}: {why}")]
    except OSError as exc:
        return [Check("mysql", "fail", f"{where}: {exc.strerror or type(exc).__name__}")]
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW GRANTS")
            rows = [str(r[0]) for r in cur.fetchall()]
            cur.execute("SELECT VERSION()")
            version = str(cur.fetchone()[0])
    except pymysql.MySQLError as exc:
        return [Check("mysql", "warn", f"{where}: logged in; SHOW GRANTS failed ({_short(str(exc), 120)})")]
    finally:
        conn.close()
    missing, wide = missing_grants(rows, m.database)
    status: Status = "warn" if missing or wide else "ok"
    detail = f"{where}: logged in ({_short(version, 40)})"
    if missing:
        detail += "; missing grants: " + "; ".join(missing)
    if wide:
        detail += "; " + "; ".join(wide)
    return [Check("mysql", status, detail)]


def check_redis(cfg: Config) -> list[Check]:
    import redis

    r = cfg.redis
    if r is None:
        return [Check("redis", "skip", "no redis section")]
    parts, port = split_url(r.url, ("redis", "rediss"), 6379)
    where = f"{parts.hostname}:{port}"
    try:
        password = resolve_password(r, cfg.base_dir, "redis", optional=True)
    except PerfscoreError as exc:
        return [Check("redis", "fail", exc.message)]
    client = redis_client(r.url, password, min(TIMEOUT_S, r.timeout_s))
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        why = redis_reason(exc)
        if password is None and r.password_env and "access denied" in why:
            why = f"Redis wants a password: {r.password_env} is not set"
        return [Check("redis", "fail", f"{where}: {why}")]
    finally:
        client.close()
    auth = "authenticated" if password else "no password needed"
    return [Check("redis", "ok", f"{where}: PING answered ({auth})")]


def check_prometheus(cfg: Config) -> list[Check]:

    p = cfg.prometheus
    if p is None:
        return [Check("prometheus", "skip", "not configured")]
    try:
        client = Prometheus(p.model_copy(update={"timeout_s": min(TIMEOUT_S, p.timeout_s)}), cfg)
        doc = client.get("/api/v1/status/buildinfo", {})
    except PerfscoreError as exc:
        return [Check("prometheus", "fail", exc.message)]
    except ProbeUnavailable as exc:  # Refused (bad credentials) is one too
        return [Check("prometheus", "fail", str(exc))]
    version = doc.get("version") if isinstance(doc, dict) else None
    said = f" (Prometheus {_short(str(version), 30)})" if version else ""
    return [Check("prometheus", "ok", f"{p.url}: answered{said}")]


def check_logs(cfg: Config) -> list[Check]:
    out = []
    for path in cfg.logs:
        full = path if path.is_absolute() else cfg.base_dir / path
        try:
            if not stat.S_ISREG(os.stat(full).st_mode):  # a FIFO blocks open() for ever; a device never ends
                out.append(Check(f"log {path}", "fail", "not a regular file (a FIFO, device or directory)"))
                continue
            with open(full, "rb") as f:
                f.read(1)
                size = os.fstat(f.fileno()).st_size
        except OSError as exc:
            out.append(Check(f"log {path}", "fail", f"not readable ({exc.strerror or type(exc).__name__})"))
            continue
        out.append(Check(f"log {path}", "ok", f"readable ({size:,} bytes)"))
    return out or [Check("logs", "skip", "no logs configured")]


FPM_MASTER = re.compile(r"php-fpm: master process")


def masters_of(procs: dict[int, Any]) -> dict[int, list[int]]:
    """The matched processes grouped by their master: a PHP-FPM master parent, else the topmost matched one."""
    import psutil

    groups: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        top = pid
        try:
            parent = proc.parent()
            while parent is not None and parent.pid in procs:
                top, parent = parent.pid, parent.parent()
            if parent is not None and top == pid and FPM_MASTER.search(" ".join(parent.cmdline())):
                top = parent.pid
        except psutil.Error:
            pass
        groups.setdefault(top, []).append(pid)
    return groups


def check_processes(cfg: Config) -> list[Check]:

    pc = cfg.processes
    if pc is None:
        return [Check("processes", "skip", "no processes section")]
    host = app_host(cfg)
    if host is not None and not is_this_machine(host):
        return [Check("processes", "skip", f"the app runs on {host}, not on this host")]
    out = []
    for role in ("app", "database", "cache"):
        if role == "database" and cfg.mysql is None or role == "cache" and cfg.redis is None:
            continue
        patterns = getattr(pc, role)
        procs = processes_matching(patterns, pc.pid_files if role == "app" else [], cfg.base_dir)
        groups = masters_of(procs)
        shown = ", ".join(_short(p, 60) for p in patterns)
        if not groups:
            out.append(Check(f"processes.{role}", "fail", f"{shown}: matches no process here"))
        elif len(groups) > 1:
            pids = ", ".join(str(p) for p in sorted(groups)[:6])
            out.append(
                Check(f"processes.{role}", "fail", f"{shown}: matches {len(groups)} masters (pids {pids}): narrow it")
            )
        else:
            master, members = next(iter(groups.items()))
            workers = len([p for p in members if p != master])
            out.append(Check(f"processes.{role}", "ok", f"{shown}: master {master}, {workers} workers"))
    return out


CHECKS: tuple[Callable[[Config], list[Check]], ...] = (
    check_http,
    check_mysql,
    check_redis,
    check_prometheus,
    check_logs,
    check_processes,
)


def remember_secrets(cfg: Config) -> None:
    """Every password and token the config resolves to, kept from any printed line; an unset variable is
    left to its component's own line."""
    from perfscore.sanitize import remember

    found = []
    for section, what in ((cfg.mysql, "mysql"), (cfg.redis, "redis"), (cfg.prometheus, "prometheus")):
        if section is None:
            continue
        try:
            pw = resolve_password(section, cfg.base_dir, what, optional=True)
        except PerfscoreError:
            continue
        found += [pw] if pw else []
    if cfg.prometheus is not None and cfg.prometheus.bearer_token_env:
        token = os.environ.get(cfg.prometheus.bearer_token_env)
        found += [token] if token else []
    remember(found)


def run_checks(cfg: Config, checks: tuple[Callable[[Config], list[Check]], ...] = CHECKS) -> list[Check]:
    """Every check in parallel, in the order given; a check that raises is a failed line, not a traceback."""

    def safe(fn: Callable[[Config], list[Check]]) -> list[Check]:
        try:
            return fn(cfg)
        except PerfscoreError as exc:
            return [Check(fn.__name__.removeprefix("check_"), "fail", exc.message)]
        except Exception as exc:  # a bug or an odd server: one line, the run goes on
            return [Check(fn.__name__.removeprefix("check_"), "fail", f"{type(exc).__name__}: {_short(str(exc))}")]

    # Imported here, once: modules first imported by several threads at a time can see each other half-built.
    import psutil  # noqa: F401
    import pymysql  # noqa: F401
    import redis  # noqa: F401

    with ThreadPoolExecutor(len(checks)) as pool:
        results = list(pool.map(safe, checks))
    return [c for group in results for c in group]
