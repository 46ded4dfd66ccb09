"""The gatherers' order around the window: a long read of this machine's log files (access logs, a slow log
file) ends after the others have ended, so its CPU never sits inside their timings."""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.config import Config
from perfscore.gatherers import GATHERERS
from perfscore.gatherers.base import GatherContext, Gatherer
from perfscore.session.runner import _Session


class _Done(Snapshot):
    artifact: ClassVar[str] = "done"


CALLS: list[tuple[str, str, float]] = []


class _Timer(Gatherer):
    name = "timer"

    def end(self) -> Snapshot:
        CALLS.append((self.name, "start", time.monotonic()))
        time.sleep(0.3)  # timing something (a configured query's runs)
        CALLS.append((self.name, "end", time.monotonic()))
        return _Done()


class _LogReader(Gatherer):
    name = "log_reader"
    after_others = True

    def end(self) -> Snapshot:
        CALLS.append((self.name, "start", time.monotonic()))
        return _Done()


def test_a_long_local_read_ends_after_the_others_timings() -> None:
    ctx = GatherContext(config=Config(), base_dir=Path("."), window_s=0.0)
    session = _Session(lambda line: None)
    session.gather([_LogReader(ctx), _Timer(ctx)], 5.0, lambda counting: WindowSnapshot(skipped=True, error="-"))
    at = {(n, what): t for n, what, t in CALLS}
    assert at[("log_reader", "start")] >= at[("timer", "end")], CALLS
    assert {"timer", "log_reader"} <= set(session.snapshots)


def test_the_access_log_and_slow_log_readers_are_the_ones_that_wait() -> None:
    assert {g.name for g in GATHERERS if g.after_others} == {"field", "field_db"}
