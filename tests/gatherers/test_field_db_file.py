"""The field database gatherer's read of a slow log file (no server: the file path alone): the period, the
database, perfscore's own user left out, values masked in what is kept; a FIFO, a missing file, an endless
line and a file too long for the budget each end in a stated way, never a hang."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from perfscore.config import Config
from perfscore.gatherers import field_db
from perfscore.gatherers.base import GatherContext, ProbeUnavailable
from perfscore.gatherers.field_db import FieldDatabaseGatherer


def _gatherer(tmp_path: Path, since: str = "1h") -> FieldDatabaseGatherer:
    cfg = Config.model_validate(
        {
            "mysql": {"host": "127.0.0.1", "port": 3306, "user": "perfscore", "database": "shop"},
            "field": {"access_logs": [str(tmp_path / "access.log")], "since": since},
        }
    )
    g = FieldDatabaseGatherer(GatherContext(config=cfg, base_dir=tmp_path, window_s=1.0))
    g.begin()
    return g


def _entry(ts: float, user: str, sql: str, seconds: float = 0.5, db: str = "shop") -> str:
    return (
        f"# User@Host: {user}[{user}] @ localhost []\n# Thread_id: 1  Schema: {db}  QC_hit: No\n"
        f"# Query_time: {seconds}  Lock_time: 0 Rows_sent: 1  Rows_examined: 5000\nSET timestamp={int(ts)};\n{sql}\n"
    )


def test_the_period_the_database_and_the_users_own_statements(tmp_path: Path) -> None:
    g = _gatherer(tmp_path)
    now = time.time()
    log = tmp_path / "slow.log"
    log.write_text(
        _entry(now - 7200, "app", "SELECT * FROM orders WHERE id = 1;")  # before the period
        + _entry(now - 600, "app", "SELECT * FROM orders WHERE email = 'jane@example.test';")
        + _entry(now - 500, "app", "SELECT * FROM orders WHERE email = 'joe@example.test';", 1.5)
        + _entry(now - 400, "perfscore", "SELECT SLEEP(2);", 2.0)  # perfscore's own: left out, counted
        + _entry(now - 300, "app", "SELECT 1 FROM other_app;", 9.0, db="blog")  # another database
    )
    classes, overflow, own, cut = g._from_file(str(log))
    assert (overflow, own, cut) == (0, 1, None)
    assert [(c.executions, c.total_s) for c in classes] == [(2, 2.0)]
    assert "jane@example.test" in classes[0].sample  # EXPLAIN needs the values as they ran ...
    from perfscore.sqltext import mask_literals

    assert "example.test" not in mask_literals(classes[0].sample)  # ... the snapshot keeps them masked


def test_a_fifo_a_missing_file_and_a_directory_are_unavailable_at_once(tmp_path: Path) -> None:
    g = _gatherer(tmp_path)
    fifo = tmp_path / "slow.fifo"
    os.mkfifo(fifo)
    for path, said in ((fifo, "not a regular file"), (tmp_path / "none.log", "no such file"), (tmp_path, "regular")):
        t0 = time.monotonic()
        with pytest.raises(ProbeUnavailable, match=said):
            g._from_file(str(path))
        assert time.monotonic() - t0 < 10  # no wait on the FIFO: at once, whatever else the machine runs


def test_an_endless_line_is_cut_and_a_long_read_stops_at_its_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = _gatherer(tmp_path)
    now = time.time()
    log = tmp_path / "slow.log"
    with log.open("w") as fh:
        fh.write(_entry(now - 60, "app", "INSERT INTO t VALUES ('" + "x" * 3_000_000 + "');"))
        fh.write(_entry(now - 50, "app", "SELECT * FROM orders WHERE id = 7;"))
    classes, _, _, cut = g._from_file(str(log))
    assert cut is None and sorted(c.executions for c in classes) == [1, 1]
    assert max(len(c.sample) for c in classes) <= 4000
    monkeypatch.setattr(field_db, "FILE_BUDGET_S", -1.0)  # the budget already spent: what was read is kept
    classes, _, _, cut = g._from_file(str(log))
    assert cut is not None and "not counted" in cut and classes == []
