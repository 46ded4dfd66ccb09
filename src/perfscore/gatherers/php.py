"""PHP runtime gatherer: OPcache's status and PHP-FPM's pool sizing, read without changing the app.

Two sources, either enough: the operator's OPcache status URL (a script that
returns ``opcache_get_status(false)`` as JSON, ``monitoring.opcache_status``),
and, when the app runs on this machine, the running PHP-FPM master: its
executable's ``-tt`` (the effective pool configuration) and ``-i`` (the FPM
SAPI's php.ini). Only process-manager keys and OPcache/memory settings are
kept: a pool's other lines hold passwords (``env[...]``, session save paths).
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

from perfscore.artifacts.php import FpmPool, PhpSnapshot
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import fetch, join
from perfscore.gatherers.memory import app_host, is_this_machine, processes_matching

MASTER = re.compile(r"php-fpm: master process \((.+)\)")
POOL_TITLE = re.compile(r"php-fpm: pool (\S+)")
TT_LINE = re.compile(r"NOTICE:\s+(?:\[(?P<section>[^\]]+)\]|(?P<key>[\w.\[\]]+) = (?P<value>.*))$")
PHP_SETTING = re.compile(r"^php(?:_admin)?_(?:value|flag)\[(?P<name>opcache\.[\w.]+|memory_limit)\]$")
INI_LINE = re.compile(r"^(?P<name>opcache\.[\w.]+|memory_limit|Opcode Caching) => (?P<local>.*?)(?: => .*)?$")
RUN_TIMEOUT_S = 10.0


def parse_tt(text: str) -> list[FpmPool]:
    """The pools of ``php-fpm -tt`` output: pm.* keys and the OPcache/memory PHP overrides, nothing else."""
    pools: list[FpmPool] = []
    section: str | None = None
    pm: dict[str, str] = {}
    php: dict[str, str] = {}

    def close() -> None:
        if section is not None and section != "global":
            pools.append(FpmPool(name=section, pm=dict(pm), php=dict(php)))

    for line in text.splitlines():
        m = TT_LINE.search(line.rstrip())
        if not m:
            continue
        if m["section"] is not None:
            close()
            section, pm, php = m["section"], {}, {}
            continue
        key, value = m["key"], m["value"].strip()
        if key == "pm" or key.startswith("pm."):
            pm[key] = value
        elif s := PHP_SETTING.match(key):
            php[s["name"]] = value
    close()
    return pools


def parse_ini(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = INI_LINE.match(line.strip())
        if m:
            out[m["name"]] = m["local"].strip()
    return out


class PhpGatherer(Gatherer):
    name = "php"
    local = True  # mostly this machine's PHP-FPM; its status URL is the target's, and other gatherers reach that

    def _status_path(self) -> str | None:
        mon = self.ctx.config.monitoring
        return mon.opcache_status if mon else None

    def _local(self) -> bool:
        cfg = self.ctx.config
        host = app_host(cfg)
        return cfg.processes is not None and (host is None or is_this_machine(host))

    def not_configured(self) -> str | None:
        if (self._status_path() and self.ctx.config.target.base_url) or self._local():
            return None
        return (
            "no OPcache status URL (monitoring.opcache_status) and the app runs on another host: expose "
            "opcache_get_status(false) as JSON, or run perfscore on the app host"
        )

    def end(self) -> PhpSnapshot:
        errors: list[str] = []
        status = None
        path, base = self._status_path(), self.ctx.config.target.base_url
        if path and base:
            try:
                status = fetch(
                    join(base, path), user_agent=self.ctx.config.target.user_agent, timeout=self.http_timeout
                ).answer()
            except ProbeUnavailable as exc:
                errors.append(f"OPcache status: {exc}")
        local: dict[str, Any] = self._fpm(errors) if self._local() else {}
        if status is None and not local.get("pools") and not local.get("ini"):
            raise ProbeUnavailable(
                "; ".join(errors)
                or "no PHP-FPM master of the app's workers found on this machine and no OPcache status URL "
                "(monitoring.opcache_status)"
            )
        return PhpSnapshot(opcache_status=status, errors=errors, **local)

    def _fpm(self, errors: list[str]) -> dict[str, Any]:
        """The app workers' master on this machine, its pools (-tt) and its php.ini (-i)."""
        import psutil

        cfg = self.ctx.config.processes
        assert cfg is not None
        try:
            workers = processes_matching(cfg.app, cfg.pid_files, self.ctx.base_dir)
        except re.error as exc:
            errors.append(f"bad process pattern: {exc}")
            return {}
        masters: dict[int, Any] = {}
        pools: set[str] = set()
        for w in workers.values():
            try:
                title = " ".join(w.cmdline())
                parent = w.parent()
                if parent is not None and MASTER.search(" ".join(parent.cmdline())):
                    masters[parent.pid] = parent
                if m := POOL_TITLE.search(title):
                    pools.add(m[1])
            except psutil.Error:
                continue
        if not masters:
            errors.append("no PHP-FPM master process among the app workers' parents on this machine")
            return {"worker_pools": sorted(pools)}
        master = masters[min(masters)]
        try:
            exe = master.exe()
            m = MASTER.search(" ".join(master.cmdline()))
        except psutil.Error as exc:
            errors.append(f"PHP-FPM master {master.pid}: {type(exc).__name__} (run perfscore as the FPM user or root)")
            return {"worker_pools": sorted(pools)}
        conf = m[1] if m else None
        out: dict[str, Any] = {"fpm_binary": exe, "fpm_config": conf, "worker_pools": sorted(pools)}
        tt = self._run([exe, "-tt", *(["--fpm-config", conf] if conf else [])], errors)
        if tt is not None:
            out["pools"] = parse_tt(tt)
        ini = self._run([exe, "-i"], errors)
        if ini is not None:
            out["ini"] = parse_ini(ini)
        return out

    @staticmethod
    def _run(cmd: list[str], errors: list[str]) -> str | None:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, errors="replace")
        except (OSError, subprocess.TimeoutExpired) as exc:
            errors.append(f"{' '.join(cmd[:2])}: {type(exc).__name__}")
            return None
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
            errors.append(f"{' '.join(cmd[:2])} failed: {last}")
            return None
        return proc.stdout + proc.stderr  # -tt writes the configuration to stderr
