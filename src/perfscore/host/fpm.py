"""The PHP-FPM master listening on a FastCGI socket or port, and the pool of it that listens there.

Its own binary's ``-tt`` gives each pool's ``listen``, ``error_log`` (PHP's), ``slowlog`` and
``access.log``; only those keys are kept (a pool's other lines hold passwords in ``env[...]``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

TT_LINE = re.compile(r"NOTICE:\s+(?:\[(?P<section>[^\]]+)\]|(?P<key>[\w.\[\]]+) = (?P<value>.*))$")
MASTER = re.compile(r"php-fpm: master process \((?P<conf>.+)\)")
KEPT = {
    "listen",
    "error_log",
    "pid",
    "slowlog",
    "request_slowlog_timeout",
    "access.log",
    "prefix",
    "php_admin_value[error_log]",
    "php_value[error_log]",
}


def tt_sections(text: str) -> dict[str, dict[str, str]]:
    """section ("global" or a pool's name) -> the KEPT keys of ``php-fpm -tt`` output."""
    out: dict[str, dict[str, str]] = {}
    section: str | None = None
    for line in text.splitlines():
        m = TT_LINE.search(line.rstrip())
        if not m:
            continue
        if m["section"] is not None:
            section = m["section"]
            out.setdefault(section, {})
        elif section is not None and m["key"] in KEPT:
            value = m["value"].strip().strip('"')
            if value and value != "undefined":
                out[section][m["key"]] = value
    return out


@dataclass
class FpmPool:
    """The pool that serves a FastCGI target, its master and where they log."""

    name: str
    master_pid: int
    config: str | None
    binary: str
    pid_file: str | None = None
    error_log: str | None = None  # PHP's errors of this pool (php_admin_value[error_log]), else the master's
    fpm_log: str | None = None  # the master's own log (workers' stderr with catch_workers_output)
    slowlog: str | None = None
    access_log: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def logs(self) -> list[str]:
        seen: list[str] = []
        for p in (self.error_log, self.fpm_log, self.slowlog):
            if p and p not in seen:
                seen.append(p)
        return seen


def _file(value: str | None, prefix: str) -> str | None:
    if not value or value.startswith("syslog") or value in ("/dev/stderr", "/proc/self/fd/2"):
        return None
    return os.path.normpath(value if os.path.isabs(value) else os.path.join(prefix, value))


def listens_on(listen: str, target: str) -> bool:
    """A pool's ``listen`` value against a FastCGI target ("unix:/path", "/path", "host:port", "port")."""
    t = target.removeprefix("unix:")
    if listen.startswith("/") or t.startswith("/"):
        return os.path.realpath(listen) == os.path.realpath(t)
    lp = listen.rpartition(":")[2]
    tp = t.rpartition(":")[2]
    return lp == tp and lp.isdigit()


def pool_for(sections: dict[str, dict[str, str]], target: str) -> tuple[str, dict[str, str]] | None:
    for name, keys in sections.items():
        if name != "global" and "listen" in keys and listens_on(keys["listen"], target):
            return name, keys
    return None


def master_of(target: str) -> tuple[Any | None, str]:
    """The PHP-FPM master listening on ``target`` (unix:/path or host:port), or None and why not."""
    from perfscore.host.listeners import describe, server_of, tcp_listeners, unix_listeners

    path = target.removeprefix("unix:")
    if path.startswith("/"):
        pids, err = unix_listeners(path)
    else:
        port = path.rpartition(":")[2]
        if not port.isdigit():
            return None, f"FastCGI target {target!r} is neither a socket path nor host:port"
        pids, err = tcp_listeners(int(port))
    if err:
        return None, err
    server = server_of(pids)
    if server is None:
        return None, describe(pids, target)
    try:
        title = " ".join(server.cmdline())
    except Exception as exc:  # psutil.Error: the process ended
        return None, f"the process on {target}: {type(exc).__name__}"
    if not MASTER.search(title):
        return None, f"{server.name()} [{server.pid}] listens on {target}, not a PHP-FPM master"
    return server, f"PHP-FPM master [{server.pid}] listens on {target}"


def global_settings(conf: str) -> dict[str, str]:
    """``error_log`` and ``pid`` of the main configuration file's [global] section (read as text: ``-tt`` is
    run with the error log sent elsewhere, so it cannot tell the real one)."""
    try:
        with open(conf, encoding="utf-8", errors="replace") as fh:
            text = fh.read(1024 * 1024)
    except OSError:
        return {}
    out: dict[str, str] = {}
    section = None
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == "global" and "=" in line:
            key, _, value = line.partition("=")
            if key.strip() in ("error_log", "pid"):
                out[key.strip()] = value.strip().strip('"')
    return out


def run_tt(exe: str, conf: str | None, errors: list[str]) -> str | None:
    """``php-fpm -tt`` of this configuration, its text (stderr and stdout).

    FPM writes the dump into its own error log too, secrets of ``env[...]`` included, where perfscore
    (and the operator) would then read it; so the configuration is included from a wrapper that sends
    the test's log to /dev/null, and nothing reaches the server's log.
    """
    import tempfile

    from perfscore.host.safety import run_capped

    if conf is None or not os.path.isabs(conf):
        out = run_capped([exe, "-tt", *(["--fpm-config", conf] if conf else [])], errors)
        return None if out is None else out[1] + out[0]
    with tempfile.TemporaryDirectory(prefix="perfscore-fpm-") as tmp:
        wrapper = os.path.join(tmp, "test.conf")
        with open(wrapper, "w", encoding="utf-8") as fh:
            fh.write(f"[global]\ninclude = {conf}\n[global]\nerror_log = /dev/null\n")
        out = run_capped([exe, "-tt", "--fpm-config", wrapper], errors)
    return None if out is None else out[1] + out[0]  # -tt writes the configuration to stderr


def pool_behind(target: str, errors: list[str]) -> FpmPool | None:
    """The pool of the master listening on ``target``, from that master's own ``-tt``."""
    import psutil

    from perfscore.host.safety import refuse

    master, why = master_of(target)
    if master is None:
        errors.append(why)
        return None
    try:
        exe = master.exe()
        owner = master.uids().real
        m = MASTER.search(" ".join(master.cmdline()))
    except psutil.Error as exc:
        errors.append(f"PHP-FPM master {master.pid}: {type(exc).__name__} (run perfscore as the FPM user or root)")
        return None
    refused = refuse(master.pid, owner, exe)
    if refused:
        errors.append(f"PHP-FPM master {master.pid}: {refused}")
        return None
    conf = m["conf"] if m else None
    text = run_tt(exe, conf, errors)
    if text is None:
        return None
    sections = tt_sections(text)
    found = pool_for(sections, target)
    if found is None:
        errors.append(f"PHP-FPM master [{master.pid}]: no pool of its configuration listens on {target}")
        return None
    name, keys = found
    tested = {k: v for k, v in sections.get("global", {}).items() if k != "error_log"}  # /dev/null: the wrapper's
    glob = tested | (global_settings(conf) if conf else {})
    prefix = keys.get("prefix") or (os.path.dirname(conf) if conf else "/")
    pool = FpmPool(name=name, master_pid=master.pid, config=conf, binary=exe, pid_file=_file(glob.get("pid"), prefix))
    pool.fpm_log = _file(glob.get("error_log"), prefix)
    pool.error_log = _file(keys.get("php_admin_value[error_log]") or keys.get("php_value[error_log]"), prefix)
    if pool.error_log is None:
        pool.notes.append(f"pool {name} sets no PHP error_log: PHP's errors go to the master's log")
    if keys.get("request_slowlog_timeout", "0s").rstrip("s") not in ("0", ""):
        pool.slowlog = _file(keys.get("slowlog"), prefix)
    pool.access_log = _file(keys.get("access.log"), prefix)
    return pool


def workers_of(master_pid: int, pool: str) -> list[int]:
    """The master's children whose title names the pool."""
    import psutil

    out = []
    try:
        for child in psutil.Process(master_pid).children():
            try:
                if re.search(rf"php-fpm: pool {re.escape(pool)}\s*$", " ".join(child.cmdline())):
                    out.append(child.pid)
            except psutil.Error:
                continue
    except psutil.Error:
        return []
    return out
