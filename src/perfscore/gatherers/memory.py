"""Process gatherer (psutil): app worker RSS a quarter into the window and at its end, system memory.

Processes are found on this machine by command-line patterns, so the figures
are meaningful when perfscore runs on the host it audits.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from perfscore.artifacts.memory import ProcessSnapshot
from perfscore.errors import PerfscoreError
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.host.listeners import is_this_machine
from perfscore.patterns import compile_pattern
from perfscore.yamlfile import read_text

if TYPE_CHECKING:
    from perfscore.config import Config

MB = 1024 * 1024
# Fresh PHP workers grow on their first requests (opcode cache, persistent
# connections): growth is measured from a quarter into the window, not its start.
SETTLE_FRACTION = 0.25


def processes_matching(patterns: list[str], pid_files: list[Path], base_dir: Path) -> dict[int, Any]:
    import psutil

    regexes = [compile_pattern(p) for p in patterns]  # RE2: a hostile pattern cannot stall the probe
    found: dict[int, Any] = {}
    for proc in psutil.process_iter(["pid", "cmdline", "name"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or []) or (proc.info["name"] or "")
        except (psutil.Error, TypeError):
            continue
        if any(r.search(cmd) for r in regexes):
            found[proc.pid] = proc
    for pf in pid_files:
        path = pf if pf.is_absolute() else base_dir / pf
        try:
            parent = psutil.Process(int(read_text(path, "pid file").strip()))
            for child in parent.children():
                found[child.pid] = child
        except (PerfscoreError, ValueError, psutil.Error):
            continue
    return found


def app_host(cfg: Config) -> str | None:
    """The host the app's processes run on: the base URL's, else the database's, else the cache's."""
    if cfg.target.base_url:
        return urlsplit(cfg.target.base_url).hostname
    if cfg.mysql:
        return cfg.mysql.host
    if cfg.redis:
        return urlsplit(cfg.redis.url).hostname
    return None


def not_here(cfg: Config) -> str | None:
    """Why this machine's processes must not be measured for the target, if they must not: the target is on
    another host, or nothing listens on its port here (no process of this machine serves it)."""
    from perfscore.host.app import NOT_HERE, target_of
    from perfscore.host.listeners import tcp_listeners

    host = app_host(cfg)
    if host is not None and not is_this_machine(host):
        return (
            f"the app runs on another host ({host}), {NOT_HERE}: this machine's processes say nothing about it "
            "(run perfscore on the app host, or use the Prometheus source)"
        )
    target = target_of(cfg.target.base_url) if cfg.target.base_url else None
    if target is None:
        return None
    pids, err = tcp_listeners(target[1])
    if not pids and err is None:
        return f"nothing listens on port {target[1]} on this host: no process here serves the target"
    return None


def serving_pools(cfg: Config) -> set[tuple[int, str]] | None:
    """(master pid, pool) of the PHP-FPM pools behind the target's nginx server block; None when unknown."""
    from perfscore.host.app import find_app

    if not cfg.target.base_url:
        return None
    try:
        app = find_app(cfg.target.base_url)
    except Exception:  # discovery is advisory here: a failure costs the warning, never the figures
        return None
    return {(p.master_pid, p.name) for p in app.pools} or None


def _not_serving(procs: dict[int, Any], serving: set[tuple[int, str]]) -> dict[str, int]:
    import psutil

    out: dict[str, int] = {}
    for p in procs.values():
        try:
            pool = POOL_TITLE.search(" ".join(p.cmdline()))
            if pool is None or (p.ppid(), pool[1]) in serving:
                continue
            key = f"{p.name()} [{p.ppid()}] pool {pool[1]}"
        except psutil.Error:
            continue
        out[key] = out.get(key, 0) + 1
    return out


def _cpu(procs: dict[int, Any]) -> dict[int, float]:
    import psutil

    out = {}
    for pid, p in procs.items():
        try:
            t = p.cpu_times()
            out[pid] = float(t.user + t.system)
        except psutil.Error:
            continue
    return out


POOL_TITLE = re.compile(r"\bpool (\S+)")


def _parents(procs: dict[int, Any]) -> dict[str, int]:
    """Workers per app: their master (the topmost process above them the patterns also match, else their
    parent) and their pool. Keys hold a process name and pid only: command lines can carry secrets."""
    import psutil

    out: dict[str, int] = {}
    parents = set()
    for p in procs.values():
        try:
            parents.add(p.ppid())
        except psutil.Error:
            continue
    for pid, p in procs.items():
        if pid in parents:
            continue  # a master the patterns matched too: its workers speak for it
        try:
            top = p
            while top.ppid() in procs:
                top = procs[top.ppid()]
            anchor = top if top is not p else p.parent()
            pool = POOL_TITLE.search(" ".join(p.cmdline()))
            key = f"{anchor.name()} [{anchor.pid}]" if anchor else "none"
        except psutil.Error:
            continue
        key += f" pool {pool[1]}" if pool else ""
        out[key] = out.get(key, 0) + 1
    return out


def _top_level(procs: dict[int, Any]) -> int:
    """Matching processes whose parent does not match too: one per server, not one per thread or child."""
    import psutil

    n = 0
    for p in procs.values():
        try:
            n += p.ppid() not in procs
        except psutil.Error:
            continue
    return n


def _rss(procs: dict[int, Any]) -> dict[int, int]:
    import psutil

    out = {}
    for pid, p in procs.items():
        try:
            out[pid] = int(p.memory_info().rss)
        except psutil.Error:
            continue
    return out


class MemoryGatherer(Gatherer):
    name = "memory"
    local = True
    before: dict[int, int]
    cpu0: dict[str, dict[int, float]]

    serving: set[tuple[int, str]] | None = None

    def not_configured(self) -> str | None:
        cfg = self.ctx.config
        if not cfg.processes:
            return "no processes section in the config"
        return not_here(cfg)

    def _workers(self) -> dict[int, Any]:
        cfg = self.ctx.config.processes
        assert cfg is not None
        return processes_matching(cfg.app, cfg.pid_files, self.ctx.base_dir)

    def _roles(self) -> dict[str, dict[int, Any]]:
        cfg = self.ctx.config.processes
        assert cfg is not None
        return {
            "app": self._workers(),
            "database": processes_matching(cfg.database, [], self.ctx.base_dir),
            "cache": processes_matching(cfg.cache, [], self.ctx.base_dir),
        }

    def begin(self) -> None:
        try:
            roles = self._roles()
        except re.error as exc:
            raise ProbeUnavailable(f"bad process pattern: {exc}") from None
        self.before = _rss(roles["app"])
        self.serving = serving_pools(self.ctx.config)
        self.cpu0 = {role: _cpu(procs) for role, procs in roles.items()}
        self._sampler = threading.Timer(self.ctx.window_s * SETTLE_FRACTION, self._settled)
        self._sampler.daemon = True
        self._sampler.start()

    def _settled(self) -> None:
        settled = _rss(self._workers())
        if settled:
            self.before = settled

    def end(self) -> ProcessSnapshot:
        import psutil

        cfg = self.ctx.config.processes
        assert cfg is not None
        self._sampler.cancel()
        roles = self._roles()
        workers = roles["app"]
        after = _rss(workers)
        cpu = {}
        for role, procs in roles.items():
            now, then = _cpu(procs), self.cpu0.get(role, {})
            cpu[role] = round(sum(max(0.0, t - then[pid]) for pid, t in now.items() if pid in then), 3)
        pss = []
        for p in workers.values():
            try:
                pss.append(round(p.memory_full_info().pss / MB, 3))
            except psutil.NoSuchProcess:
                continue  # a worker recycled meanwhile: the others still have their PSS
            except (psutil.Error, AttributeError):  # denied (not root), or no PSS on this OS
                pss = []
                break
        vm, swap = psutil.virtual_memory(), psutil.swap_memory()
        return ProcessSnapshot(
            patterns=list(cfg.app),
            settle_s=self.ctx.window_s * SETTLE_FRACTION,
            rss_before=self.before,
            rss_after=after,
            pss_mb=pss,
            database_rss_mb=sum(_rss(processes_matching(cfg.database, [], self.ctx.base_dir)).values()) // MB,
            cache_rss_mb=sum(_rss(processes_matching(cfg.cache, [], self.ctx.base_dir)).values()) // MB,
            memory_total_mb=vm.total // MB,
            memory_available_mb=vm.available // MB,
            swap_used_mb=swap.used // MB,
            cpu_s=cpu,
            app_parents=_parents(workers),
            serving=sorted(f"php-fpm [{pid}] pool {pool}" for pid, pool in self.serving or ()),
            not_serving=_not_serving(workers, self.serving) if self.serving else {},
            servers={"database": _top_level(roles["database"]), "cache": _top_level(roles["cache"])},
        )
