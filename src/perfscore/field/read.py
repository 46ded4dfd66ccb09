"""Access-log files read as a stream, oldest first: plain or gzip (rotated copies), never a FIFO or device.

Files are ordered by modification time (access.log.2.gz, access.log.1, access.log); each is read line by
line, so a multi-GB log costs no more memory than a short one. A line longer than ``MAX_LINE`` is cut (and
will not parse: it is counted as malformed).
"""

from __future__ import annotations

import gzip
import io
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from perfscore.artifacts.field import FieldSummary
from perfscore.errors import PerfscoreError
from perfscore.field.summary import summarise
from perfscore.logformat import Entry, FormatError, LineParser, line_parser
from perfscore.sanitize import clean

MAX_LINE = 16 * 1024


def ordered(paths: list[Path]) -> list[Path]:
    """Regular files, oldest first; a missing file, directory, FIFO or device is a clear error."""
    found = []
    for p in paths:
        try:
            st = p.stat()
        except OSError as exc:
            raise PerfscoreError(f"access log {p} cannot be read: {exc.strerror or exc}.") from None
        if not stat.S_ISREG(st.st_mode):
            raise PerfscoreError(f"access log {p} is not a regular file (a directory, device, FIFO or socket).")
        found.append((st.st_mtime, str(p), p))
    return [p for _, _, p in sorted(found)]


def _open(path: Path) -> io.BufferedIOBase:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO swapped in after the check must not block
    raw = os.fdopen(fd, "rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw  # type: ignore[return-value]


def entries(paths: list[Path], parse: LineParser, malformed: list[str]) -> Iterator[Entry | None]:
    """Each line's entry (None: a line that is not a request of the format); the first few malformed lines,
    made printable, are appended to ``malformed``."""
    for path in ordered(paths):
        try:
            with _open(path) as fh:
                while raw := fh.readline(MAX_LINE):
                    if not raw.endswith(b"\n") and len(raw) >= MAX_LINE:
                        while (rest := fh.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                            pass  # the rest of an overlong line
                    line = raw.decode("utf-8", "replace")
                    if not line.strip():
                        continue
                    e = parse(line)
                    if e is None and len(malformed) < 3:
                        malformed.append(f"{path.name}: {clean(line.strip())[:200]}")
                    yield e
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise PerfscoreError(f"access log {path} could not be read to its end: {exc}.") from None


def read_logs(
    paths: list[Path],
    log_format: str | None,
    *,
    since: float | None = None,
    until: float | None = None,
    watch: Callable[[Iterator[Entry | None]], Iterator[Entry | None]] | None = None,
) -> FieldSummary:
    """The field summary of access logs read with the server's ``log_format`` (a bad one is a clear error);
    ``watch`` sees the entries go by (a progress line)."""
    try:
        parse = line_parser(log_format)
    except FormatError as exc:
        raise PerfscoreError(f"--log-format: {exc}.") from None
    malformed: list[str] = []
    stream = entries(paths, parse, malformed)
    return summarise(watch(stream) if watch else stream, since=since, until=until, malformed_lines=malformed)
