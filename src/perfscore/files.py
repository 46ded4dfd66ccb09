"""Writing what perfscore produces (reports, runs, configs) without destroying what is there.

A regular file (or a new path) is written atomically: a temporary file, then a rename, so an
interrupted write never leaves half a report. The temporary file has an unpredictable name and is
created exclusively in the target's folder (``tempfile.mkstemp``: O_CREAT|O_EXCL|O_NOFOLLOW), so a
link planted there by another user (``report.html.tmp -> ~/.bashrc``) is never followed.
Anything else — a device such as /dev/null or /dev/stdout, a FIFO, a symlink — is written in
place: renaming over it would replace the device or the link with a regular file (as root,
/dev/null itself). A FIFO with no reader is refused at once; one whose reader stops reading fails
after WRITE_STALL_S without progress, never a hang. Failures are a clear error with the path.
Whatever is written passes ``sanitize.redact`` last: no secret this process holds reaches a file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import tempfile
import time
from pathlib import Path

from perfscore.errors import PerfscoreError


def _in_place(path: Path) -> bool:
    if path.is_symlink():
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False


def check_writable(path: Path) -> None:
    """Fail before a long audit, not after it, when an output path cannot be written (a read-only
    mount, a file where a directory should be). A full disk can only be found by writing."""
    if _in_place(path) or path.exists():
        if not os.access(path, os.W_OK):
            raise PerfscoreError(f"cannot write {path}: it is not writable.")
        return
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise PerfscoreError(f"cannot write {path}: {ancestor} is not a directory.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise PerfscoreError(f"cannot write {path}: {ancestor} is not writable.")


def _umask() -> int:
    """The process's umask, read without changing it (os.umask would, for a moment, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _replace_atomically(path: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())  # what open() would have given a new file, not 0600
            fh.write(data)
        os.replace(name, path)
    except BaseException:  # a full disk, or an interrupt: no half-written temporary file is left
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


# A FIFO or a pipe whose reader opened it and then stopped reading would hold a write for ever: the write
# fails once nothing has been taken from it for this long (a slow reader that keeps reading is waited for).
WRITE_STALL_S = 10.0


def _write_in_place(path: Path, data: bytes) -> None:
    """Open without blocking: a FIFO nobody reads would hold open() for ever. With a reader (``-o
    /dev/stdout | jq``) it opens, and the writes wait for the reader, WRITE_STALL_S at most without progress."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NONBLOCK, 0o666)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise PerfscoreError(f"cannot write {path}: it is a FIFO that nothing reads from.") from None
        raise
    try:
        _write_bounded(fd, path, data)
    finally:
        os.close(fd)


def _write_bounded(fd: int, path: Path, data: bytes) -> None:
    """``data`` to a non-blocking ``fd``: poll while it is full, fail after WRITE_STALL_S without progress."""
    view = memoryview(data)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    progress = time.monotonic()
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            n = 0
        if n:
            view, progress = view[n:], time.monotonic()
            continue
        left = progress + WRITE_STALL_S - time.monotonic()
        if left <= 0:
            raise PerfscoreError(
                f"cannot write {path}: its reader took nothing for {WRITE_STALL_S:g} s "
                f"({len(data) - len(view)} of {len(data)} bytes written); perfscore gave up."
            )
        poller.poll(max(1, int(left * 1000)))


def write_output(path: Path, text: str) -> None:
    from perfscore.sanitize import redact

    data = redact(text).encode("utf-8", errors="replace")  # a lone surrogate from a hostile server is no traceback
    try:
        if _in_place(path):
            _write_in_place(path, data)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace_atomically(path, data)
    except (FileExistsError, NotADirectoryError):
        raise PerfscoreError(f"cannot write {path}: a part of its folder is a file, not a directory.") from None
    except OSError as exc:
        raise PerfscoreError(f"cannot write {path}: {(exc.strerror or str(exc)).lower()}.") from None
