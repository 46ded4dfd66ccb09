"""This machine's CPU and disk use around a stretch of traffic (psutil): I/O only.

perfscore's own CPU (this process and the load generators it waited for) is
sampled too, so the audits can take it out of the host's: on one machine the
load generator competes with the stack it measures.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from perfscore.artifacts.window import DiskUsage, HostUsage

if TYPE_CHECKING:
    from perfscore.config import Config

# Devices that are not disks: loop devices, RAM disks and compressed swap in RAM.
NOT_DISKS = ("loop", "ram", "zram", "sr")


def _busy(t: Any) -> float:
    """CPU seconds spent working; steal (time the hypervisor gave another guest) is not this machine's work."""
    return float(sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq")))


def _own() -> float:
    import psutil

    t = psutil.Process().cpu_times()
    return float(t.user + t.system + t.children_user + t.children_system)


def app_is_here(cfg: Config) -> bool:
    """The app runs on this machine (loopback or one of its addresses): only then is this CPU the app's."""
    from perfscore.gatherers.memory import app_host
    from perfscore.host.listeners import is_this_machine

    host = app_host(cfg)
    return host is None or is_this_machine(host)


class HostMeter:
    """``start()`` before the traffic, ``stop()`` after it (once its generator processes have exited).

    Neither raises: a machine that will not tell its CPU times costs the host figures, never the traffic.
    """

    def start(self) -> bool:
        import psutil

        try:
            self.t0 = time.monotonic()
            self.cpu0 = _busy(psutil.cpu_times())
            self.own0 = _own()
        except (psutil.Error, OSError):
            return False
        self.disks0 = self._disks()
        return True

    @staticmethod
    def _disks() -> dict[str, Any] | None:
        import psutil

        try:
            found = psutil.disk_io_counters(perdisk=True, nowrap=True) or {}
        except (OSError, RuntimeError):
            return None
        disks = {k: v for k, v in found.items() if not k.startswith(NOT_DISKS) and hasattr(v, "busy_time")}
        return disks or None

    def stop(self) -> HostUsage | None:
        import psutil

        try:
            return self._stop()
        except (psutil.Error, OSError, ValueError):
            return None

    def _stop(self) -> HostUsage:
        import psutil

        wall = time.monotonic() - self.t0
        disks1 = self._disks()
        usage = None
        if self.disks0 is not None and disks1 is not None:
            usage = {
                name: DiskUsage(
                    busy_ms=max(0.0, float(d.busy_time - self.disks0[name].busy_time)),
                    read_bytes=max(0, d.read_bytes - self.disks0[name].read_bytes),
                    write_bytes=max(0, d.write_bytes - self.disks0[name].write_bytes),
                )
                for name, d in disks1.items()
                if name in self.disks0
            }
        return HostUsage(
            wall_s=round(wall, 3),
            cores=psutil.cpu_count() or 1,
            busy_cpu_s=round(max(0.0, _busy(psutil.cpu_times()) - self.cpu0), 3),
            own_cpu_s=round(max(0.0, _own() - self.own0), 3),
            disks=usage,
        )
