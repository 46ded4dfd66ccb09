"""The window's slow-log statements are the app's own (issue 25, item 3): those that started between the
two samples of the counters, never the statements the other probes' requests cause after it, nor those of
perfscore's own connection (told by its thread, not its login: a user may audit with the app's login)."""

from __future__ import annotations

import datetime
from pathlib import Path

from tests.hostile.fakemysql import THREAD_ID, gatherer, script

T0, T1 = datetime.datetime(2026, 1, 1, 12, 0, 0), datetime.datetime(2026, 1, 1, 12, 0, 9, 500000)


def test_the_slow_log_is_read_between_the_samples_and_without_perfscores_thread(tmp_path: Path) -> None:
    clock = iter([T0, T1])
    g, conn = gatherer(tmp_path, script(**{"SELECT NOW(6)": lambda _: [{"t": next(clock)}]}))
    g.begin()
    g.sample()
    g.end()
    reads = [args for sql, args in zip(conn.sent, conn.args, strict=True) if "FROM mysql.slow_log" in sql]
    assert reads == [(T0, T1, "app", THREAD_ID)], reads


def test_the_clock_read_after_the_counters_is_not_counted_as_one_of_the_windows_statements(tmp_path: Path) -> None:
    g, _ = gatherer(tmp_path, script())
    g.begin()
    g.sample()
    snap = g.end()
    runs = {o.sql: o.runs for o in snap.own_statements}
    assert runs.get("SELECT NOW(6) AS t") == 1, runs  # begin's, inside the window; not sample's, after it
