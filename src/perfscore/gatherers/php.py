"""PHP runtime gatherer: OPcache's status and PHP-FPM's pool sizing, read without changing the app.

Two sources, either enough: the operator's OPcache status URL (a script that
returns ``opcache_get_status(false)`` as JSON, ``monitoring.opcache_status``),
and, when the app runs on this machine, the running PHP-FPM master: its
executable's ``-tt`` (the effective pool configuration) and ``-i`` (the FPM
SAPI's php.ini). Only process-manager keys and OPcache/memory settings are
kept: a pool's other lines hold passwords (``env[...]``, session save paths).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from perfscore.artifacts.php import FpmPool, OpcacheStatus, PhpSnapshot
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import fetch, join
from perfscore.gatherers.memory import not_here, processes_matching, serving_pools
from perfscore.host.fpm import run_tt
from perfscore.host.safety import refuse, run_capped

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


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        return None
    return float(v)


def _count(v: Any) -> int | None:
    n = _number(v)
    return int(n) if n is not None and n == int(n) else None


def parse_opcache(path: str, status: int, body: str) -> OpcacheStatus:
    """The figures of an opcache_get_status(false) answer, each type-checked; the rest of the body is dropped."""
    bare = path.split("?", 1)[0]
    if status != 200:
        return OpcacheStatus(path=bare, status=status, error=f"the OPcache status URL answered {status}")
    try:
        doc = json.loads(body)
    except ValueError:
        return OpcacheStatus(path=bare, status=status, error="the OPcache status URL did not answer JSON")
    if doc is False:  # opcache_get_status() returns false when OPcache is off
        return OpcacheStatus(path=bare, status=status, enabled=False)
    if not isinstance(doc, dict) or not isinstance(doc.get("opcache_enabled"), bool):
        return OpcacheStatus(
            path=bare, status=status, error="the OPcache status URL answered JSON without a true/false opcache_enabled"
        )
    mem: dict[str, Any] = m if isinstance(m := doc.get("memory_usage"), dict) else {}
    st: dict[str, Any] = t if isinstance(t := doc.get("opcache_statistics"), dict) else {}
    full = doc.get("cache_full")
    return OpcacheStatus(
        path=bare,
        status=status,
        enabled=doc["opcache_enabled"],
        cache_full=full if isinstance(full, bool) else None,
        used_memory=_number(mem.get("used_memory")),
        free_memory=_number(mem.get("free_memory")),
        wasted_pct=_number(mem.get("current_wasted_percentage")),
        cached_scripts=_count(st.get("num_cached_scripts")),
        cached_keys=_count(st.get("num_cached_keys")),
        max_cached_keys=_count(st.get("max_cached_keys")),
        hit_rate=_number(st.get("opcache_hit_rate")),
        oom_restarts=_count(st.get("oom_restarts")),
        hash_restarts=_count(st.get("hash_restarts")),
    )


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
        if cfg.processes is None:
            return False
        if not hasattr(self, "_not_here"):
            self._not_here = not_here(cfg)  # the target on another host, or nothing here serving it
        return self._not_here is None

    def not_configured(self) -> str | None:
        if (self._status_path() and self.ctx.config.target.base_url) or self._local():
            return None
        why = getattr(self, "_not_here", None) or "the app runs on another host"
        return (
            f"no OPcache status URL (monitoring.opcache_status) and {why}: expose opcache_get_status(false) "
            "as JSON, or run perfscore on the app host"
        )

    def end(self) -> PhpSnapshot:
        errors: list[str] = []
        status = None
        path, base = self._status_path(), self.ctx.config.target.base_url
        if path and base:
            try:
                r = fetch(
                    join(base, path),
                    headers=self.target_headers,
                    user_agent=self.ctx.config.target.user_agent,
                    timeout=self.http_timeout,
                )
                status = parse_opcache(path, r.status, r.text())
            except ProbeUnavailable:
                status = OpcacheStatus(path=path.split("?", 1)[0], error="the OPcache status URL did not answer")
        local: dict[str, Any] = self._fpm(errors) if self._local() else {}
        if status is None and not local.get("pools") and not local.get("ini"):
            raise ProbeUnavailable(
                "; ".join(errors)
                or "no PHP-FPM master of the app's workers found on this machine and no OPcache status URL "
                "(monitoring.opcache_status)"
            )
        return PhpSnapshot(opcache=status, errors=errors, **local)

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
        serving = {pid for pid, _ in serving_pools(self.ctx.config) or ()} & set(masters)
        master = masters[min(serving or masters)]  # the master behind the target's port, when its sockets say
        try:
            exe = master.exe()
            m = MASTER.search(" ".join(master.cmdline()))
            owner = master.uids().real
        except psutil.Error as exc:
            errors.append(f"PHP-FPM master {master.pid}: {type(exc).__name__} (run perfscore as the FPM user or root)")
            return {"worker_pools": sorted(pools)}
        refused = refuse(master.pid, owner, exe)
        if refused:
            errors.append(f"PHP-FPM master {master.pid}: {refused}")
            return {"worker_pools": sorted(pools)}
        conf = m[1] if m else None
        out: dict[str, Any] = {"fpm_binary": exe, "fpm_config": conf, "worker_pools": sorted(pools)}
        tt = run_tt(exe, conf, errors)  # never into the server's own log (it would hold the pool's secrets)
        if tt is not None:
            out["pools"] = parse_tt(tt)
        ini = self._run([exe, "-i"], errors)
        if ini is not None:
            out["ini"] = parse_ini(ini)
        return out

    @staticmethod
    def _run(cmd: list[str], errors: list[str]) -> str | None:
        out = run_capped(cmd, errors, timeout=RUN_TIMEOUT_S)
        return None if out is None else out[0] + out[1]  # -tt writes the configuration to stderr
