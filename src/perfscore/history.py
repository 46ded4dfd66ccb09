"""Audit history in SQLite: one row per audit, written in a single transaction.

SQLite's rollback journal makes each write all-or-nothing, so a process
killed mid-write leaves the history as it was before that audit.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from perfscore.errors import PerfscoreError
from perfscore.result import Result
from perfscore.sanitize import clean

if TYPE_CHECKING:
    from perfscore.config import Config

SCHEMA_VERSION = 1
SPARK = "▁▂▃▄▅▆▇█"


class HistoryPoint(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)  # a row another tool wrote with 1e999

    id: int
    recorded_at: datetime
    target: str
    rubric: str
    score: float
    categories: dict[str, float]


def default_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "perfscore" / "history.sqlite"


def _open(path: Path, create: bool) -> sqlite3.Connection:
    if not create and not path.exists():
        raise PerfscoreError(f"history {path} does not exist (every audit appends to its history).")
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # /dev/null: as root, SQLite would make /dev/null-journal
            raise PerfscoreError(f"history {path} is not a regular file (a device, FIFO or directory).")
    except (FileNotFoundError, NotADirectoryError):
        pass  # a new history, made below
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version == 0 and not tables:
            with conn:
                conn.execute(
                    "CREATE TABLE audits (id INTEGER PRIMARY KEY AUTOINCREMENT, recorded_at TEXT NOT NULL, "
                    "target TEXT NOT NULL, rubric TEXT NOT NULL, score REAL NOT NULL, categories TEXT NOT NULL, "
                    "result TEXT NOT NULL)"
                )
                conn.execute("CREATE INDEX audits_target ON audits (target, id)")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif version != SCHEMA_VERSION or "audits" not in tables:
            conn.close()
            raise PerfscoreError(f"history {path} is an SQLite file but not a perfscore history.")
        return conn
    except sqlite3.DatabaseError as exc:
        raise PerfscoreError(f"history {path} is corrupt or not a perfscore history ({exc}).") from None
    except OSError as exc:
        raise PerfscoreError(f"cannot open history {path}: {exc.strerror}.") from None


def record(path: Path, result: Result) -> int:
    conn = _open(path, create=True)
    try:
        with conn:
            cur = conn.execute(
                "INSERT INTO audits (recorded_at, target, rubric, score, categories, result) VALUES (?,?,?,?,?,?)",
                (
                    result.run_started_at.isoformat(),
                    result.target.name,
                    result.rubric,
                    result.score,
                    json.dumps({c.id: c.score for c in result.categories}),
                    result.model_dump_json(),
                ),
            )
            return int(cur.lastrowid or 0)
    except sqlite3.DatabaseError as exc:
        raise PerfscoreError(f"cannot write history {path} ({exc}).") from None
    finally:
        conn.close()


def path_for(flag: Path | None, cfg: Config | None = None) -> Path:
    """The one history audits write and ``perfscore history`` reads: --history, else the config's
    gate.history (relative to the config), else the user's data directory."""
    if flag is not None:
        return flag
    if cfg is not None and cfg.gate.history is not None:
        return cfg.base_dir / cfg.gate.history
    return default_path()


def load(path: Path, target: str | None = None, limit: int = 50) -> list[HistoryPoint]:
    conn = _open(path, create=False)
    try:
        sql = "SELECT id, recorded_at, target, rubric, score, categories FROM audits"
        args: tuple[object, ...] = ()
        if target:
            sql += " WHERE target = ?"
            args = (target,)
        rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
    except sqlite3.DatabaseError as exc:
        raise PerfscoreError(f"history {path} is corrupt ({exc}).") from None
    finally:
        conn.close()
    points = []
    for r in reversed(rows):
        try:  # a row another tool wrote badly is left out of the trend, not the end of it
            points.append(
                HistoryPoint(  # another tool (or person) may have written escape sequences in the text
                    id=r[0],
                    recorded_at=r[1],
                    target=clean(str(r[2]), oneline=True),
                    rubric=clean(str(r[3]), oneline=True),
                    score=r[4],
                    categories={clean(str(k), oneline=True): v for k, v in json.loads(r[5]).items()},
                )
            )
        except (ValueError, TypeError, AttributeError, RecursionError):
            continue
    return points


def sparkline(scores: list[float]) -> str:
    if not scores:
        return ""
    lo, hi = min(scores), max(scores)
    span = hi - lo or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int((s - lo) / span * (len(SPARK) - 1) + 0.5))] for s in scores)
