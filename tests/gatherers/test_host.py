"""The host meter: this machine's CPU and disks around a stretch of work, perfscore's own CPU apart."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from perfscore.gatherers.host import HostMeter


def test_a_waited_child_counts_as_perfscore_s_own_cpu() -> None:
    meter = HostMeter()
    assert meter.start()
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\n"
    subprocess.run([sys.executable, "-c", burn], check=True)  # a load generator the audit waited for
    usage = meter.stop()
    assert usage is not None and usage.cores >= 1 and usage.wall_s >= 0.3
    assert usage.own_cpu_s >= 0.25, usage  # the child's CPU is perfscore's, not the stack's
    assert usage.busy_cpu_s >= 0.25 * 0.9, usage  # ... and the host's
    if usage.disks is not None:
        assert not any(name.startswith(("loop", "ram", "zram")) for name in usage.disks)


def test_a_machine_that_will_not_tell_costs_the_figures_not_the_traffic(monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*_: object, **__: object) -> None:
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "cpu_times", denied)
    assert HostMeter().start() is False
    monkeypatch.undo()
    meter = HostMeter()
    assert meter.start()
    monkeypatch.setattr(psutil, "cpu_times", denied)
    assert meter.stop() is None
