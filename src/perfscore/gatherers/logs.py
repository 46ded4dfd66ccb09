"""Log gatherer: what the app's error logs gain during the window. Read-only, bounded, this machine.

Lines are grouped into events and kept as message templates with counts, never as lines
(``perfscore.logevents``): a saved run must not carry the personal data log lines hold.

The offset of each file is noted at the window's start; at its end the new bytes are read (at most
READ_LIMIT a file). A file replaced or truncated meanwhile (log rotation) is read from its start.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from perfscore.artifacts.logs import LogFile, LogMessage, LogsSnapshot
from perfscore.gatherers.base import Gatherer
from perfscore.logevents import events, template

READ_LIMIT = 4 * 1024 * 1024
MAX_LINES = 20_000
LINE_CHARS = 2000  # longer lines are cut before templating (a template is cut again, at a word boundary)
MESSAGES = 50  # templates kept per file, most frequent first


def _ident(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size


class LogsGatherer(Gatherer):
    name = "logs"
    local = True
    reads_counters = True  # log lines per request: the error probes' lines must fall outside the window
    start: dict[Path, tuple[int, int, int] | None]
    stop: dict[Path, tuple[int, int, int] | None] | None = None

    def not_configured(self) -> str | None:
        return None if self.ctx.config.logs else "no logs section in the config (the app's error logs)"

    def _paths(self) -> list[Path]:
        return [p if p.is_absolute() else self.ctx.base_dir / p for p in self.ctx.config.logs]

    def begin(self) -> None:
        self.start = {p: _ident(p) for p in self._paths()}

    def sample(self) -> None:
        self.stop = {p: _ident(p) for p in self._paths()}

    def end(self) -> LogsSnapshot:
        stop = self.stop if self.stop is not None else {p: _ident(p) for p in self._paths()}
        return LogsSnapshot(files=[self._read(p, self.start.get(p), stop.get(p)) for p in self._paths()])

    def _read(self, path: Path, before: tuple[int, int, int] | None, now: tuple[int, int, int] | None) -> LogFile:
        if now is None:
            return LogFile(path=str(path), error="cannot read it (missing or no permission)")
        rotated = before is not None and (before[:2] != now[:2] or now[2] < before[2])
        offset = 0 if before is None or rotated else before[2]
        try:
            with open(path, "rb") as fh:
                if not os.path.isfile(path):
                    return LogFile(path=str(path), error="not a regular file")
                fh.seek(offset)
                data = fh.read(min(READ_LIMIT, max(now[2] - offset, 0)))  # up to the window's end
        except OSError as exc:
            return LogFile(path=str(path), error=f"cannot read it ({exc.strerror or exc})")
        lines = data.decode("utf-8", "replace").splitlines()
        found = events([line[:LINE_CHARS] for line in lines[:MAX_LINES]])
        counts = Counter(template(e) for e in found)
        return LogFile(
            path=str(path),
            bytes_written=max(now[2] - offset, 0),
            lines_total=len(lines),
            events_total=len(found),
            messages=[LogMessage(message=m, count=n) for m, n in counts.most_common(MESSAGES)],
            rotated=rotated,
        )
