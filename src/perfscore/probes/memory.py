"""Memory probe (psutil): app worker RSS/PSS, its growth over the window, system memory.

Processes are found on this machine by command-line patterns, so the figures
are meaningful when perfscore runs on the host it audits.
"""

from __future__ import annotations

import re
import statistics
import threading
from pathlib import Path
from typing import Any

from perfscore.probes.base import Probe, ProbeUnavailable
from perfscore.run import Measurement

MB = 1024 * 1024


def _matching(patterns: list[str], pid_files: list[Path], base_dir: Path) -> dict[int, Any]:
    import psutil

    regexes = [re.compile(p) for p in patterns]
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
            parent = psutil.Process(int(path.read_text().strip()))
            for child in parent.children():
                found[child.pid] = child
        except (OSError, ValueError, psutil.Error):
            continue
    return found


def _rss(procs: dict[int, Any]) -> dict[int, int]:
    import psutil

    out = {}
    for pid, p in procs.items():
        try:
            out[pid] = int(p.memory_info().rss)
        except psutil.Error:
            continue
    return out


# Fresh PHP workers grow on their first requests (opcode cache, persistent
# connections): growth is measured from a quarter into the window, not its start.
SETTLE_FRACTION = 0.25


class MemoryProbe(Probe):
    name = "memory"
    metrics = ("php.worker_rss_mean", "php.worker_memory_growth", "system.memory_used_ratio")
    local = True
    before: dict[int, int] = {}

    def not_configured(self) -> str | None:
        return None if self.ctx.config.processes else "no processes section in the config"

    def _workers(self) -> dict[int, Any]:
        cfg = self.ctx.config.processes
        assert cfg is not None
        return _matching(cfg.app, cfg.pid_files, self.ctx.base_dir)

    def begin(self) -> None:
        try:
            self.before = _rss(self._workers())
        except re.error as exc:
            raise ProbeUnavailable(f"bad process pattern: {exc}") from None
        self._sampler = threading.Timer(self.ctx.window_s * SETTLE_FRACTION, self._settled)
        self._sampler.daemon = True
        self._sampler.start()

    def _settled(self) -> None:
        settled = _rss(self._workers())
        if settled:
            self.before = settled

    def end(self) -> list[Measurement]:
        import psutil

        cfg = self.ctx.config.processes
        assert cfg is not None
        out: list[Measurement] = []
        self._sampler.cancel()
        workers = self._workers()
        after = _rss(workers)
        vm = psutil.virtual_memory()
        swap = psutil.swap_memory()
        out.append(
            self.measured(
                "system.memory_used_ratio",
                round((vm.total - vm.available) / vm.total, 4),
                "ratio",
                total_mb=vm.total // MB,
                available_mb=vm.available // MB,
                swap_used_mb=swap.used // MB,
            )
        )
        patterns = ", ".join(cfg.app)
        if not after:
            reason = f"no process on this machine matches {patterns!r}"
            return out + [
                self.unavailable("php.worker_rss_mean", reason),
                self.unavailable("php.worker_memory_growth", reason),
            ]
        pss = []
        for p in workers.values():
            try:
                pss.append(p.memory_full_info().pss / MB)
            except (psutil.Error, AttributeError):
                break
        rss_mb = [v / MB for v in after.values()]
        servers = {
            k: sum(_rss(_matching(pats, [], self.ctx.base_dir)).values()) // MB
            for k, pats in (("database_rss_mb", cfg.database), ("cache_rss_mb", cfg.cache))
        }
        out.append(
            self.measured(
                "php.worker_rss_mean",
                round(statistics.mean(rss_mb), 2),
                "MB",
                workers=len(rss_mb),
                max_mb=round(max(rss_mb), 2),
                pss_mean_mb=round(statistics.mean(pss), 2) if pss else None,
                evidence=servers,
            )
        )
        common = set(self.before) & set(after)
        if common:
            b = sum(self.before[p] for p in common)
            a = sum(after[p] for p in common)
            growth = round(a / b, 4) if b else 1.0
            out.append(
                self.measured(
                    "php.worker_memory_growth",
                    growth,
                    "ratio",
                    workers_compared=len(common),
                    before_mb=round(b / MB, 2),
                    after_mb=round(a / MB, 2),
                    from_s=round(self.ctx.window_s * SETTLE_FRACTION, 1),
                    summary=(
                        f"worker memory grew {growth:.2f}x ({b / MB:.0f} -> {a / MB:.0f} MB) "
                        "under steady traffic: a leak"
                    )
                    if growth > 1.1
                    else None,
                )
            )
        else:
            out.append(
                self.unavailable(
                    "php.worker_memory_growth",
                    "no worker lived through the whole window (all were recycled or restarted)",
                )
            )
        return out
