"""What every importer shares: the imported result, streamed lines with their numbers, one kind of error."""

from __future__ import annotations

import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.ramp import RampStep
from perfscore.errors import PerfscoreError
from perfscore.loadmodel import LoadResult
from perfscore.sanitize import clean

Progress = Callable[[int, int], None]  # (bytes read, file size)
PROGRESS_EVERY_S = 0.25
MAX_LINE = 1024 * 1024  # a results line longer than this is no results line
EARLIEST_MS = 946_684_800_000  # 2000-01-01: a sample time before this is no time (0 from some JMeter plugins)
LATEST_MS = 4_102_444_800_000  # 2100-01-01
MAX_ELAPSED_MS = 86_400_000.0  # a day: a longer request is no request


class Imported(BaseModel):
    """Another tool's run, as perfscore measures: the window's load and, when the file holds several
    concurrency levels, the ramp's steps."""

    model_config = ConfigDict(frozen=True)

    tool: str
    files: list[str]
    load: LoadResult
    steps: list[RampStep] = Field(default_factory=list)
    started_at: float | None = Field(None, description="the first request, epoch seconds (None: not in the file)")
    ended_at: float | None = None


def bad(path: Path, line: int | None, why: str) -> PerfscoreError:
    """Exit 2, naming the file and line: a malformed, truncated or empty results file is the user's input."""
    where = f"{path}:{line}" if line else str(path)
    return PerfscoreError(f"{where}: {clean(why, oneline=True)[:300]}.")


def check_file(path: Path, what: str) -> int:
    """The file's size; refused unless it is a regular, non-empty file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise PerfscoreError(f"{what} {path} does not exist.") from None
    except OSError as exc:
        raise PerfscoreError(f"{what} {path} cannot be read: {exc.strerror}.") from None
    if stat.S_ISDIR(st.st_mode):
        raise PerfscoreError(f"{what} {path} is a directory, not a file.")
    if not stat.S_ISREG(st.st_mode):
        raise PerfscoreError(f"{what} {path} is not a regular file (a device, FIFO or socket).")
    if st.st_size == 0:
        raise PerfscoreError(f"{what} {path} is empty.")
    return st.st_size


def csv_rows(path: Path, what: str, progress: Progress | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of a CSV results file, header first, blank rows skipped; malformed CSV is exit 2
    with its line (a quoted field may span lines: the number is the row's last)."""
    import csv

    last = [0]

    def text() -> Iterator[str]:
        for n, line in lines(path, what, progress):
            last[0] = n
            yield line

    try:
        for row in csv.reader(text()):
            if row:
                yield last[0], row
    except csv.Error as exc:
        raise bad(path, last[0], f"malformed CSV ({exc})") from None


def lines(path: Path, what: str, progress: Progress | None = None) -> Iterator[tuple[int, str]]:
    """(line number, text) of a results file, streamed in constant memory, progress by bytes read."""
    size = check_file(path, what)
    last = 0.0
    try:
        with path.open("rb") as fh:
            for n, raw in enumerate(iter(lambda: fh.readline(MAX_LINE + 1), b""), 1):
                if len(raw) > MAX_LINE:
                    raise bad(path, n, f"a line longer than {MAX_LINE // 1024} KiB: not a results file")
                if b"\x00" in raw:
                    raise bad(path, n, "binary data, not text")
                if progress is not None:
                    now = time.monotonic()
                    if now - last >= PROGRESS_EVERY_S:
                        last = now
                        progress(fh.tell(), size)
                text = raw.decode("utf-8", "replace")
                yield n, text.removeprefix("\ufeff") if n == 1 else text
            if progress is not None:
                progress(size, size)
    except OSError as exc:
        raise PerfscoreError(f"{what} {path} cannot be read: {exc.strerror}.") from None
