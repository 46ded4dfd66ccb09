"""Attacks through the files perfscore writes and reads (issue #29): a planted link beside an output, a
FIFO as an output, a tampered history."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, perfscore

FIXTURE_RUN = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"


def _writers(tmp: Path, out: Path) -> dict[str, list[str]]:
    return {
        "score -o": ["score", str(FIXTURE_RUN), "-o", str(out)],
        "schema -o": ["schema", "run", "-o", str(out)],
        "compare -o": ["compare", str(FIXTURE_RUN), str(FIXTURE_RUN), "-o", str(out)],
        "history -o": ["history", "--history", str(tmp / "h.sqlite"), "-o", str(out)],
        "init": ["init", str(out), "--force"],
    }


@pytest.mark.parametrize("writer", ["score -o", "schema -o", "compare -o", "history -o", "init"])
def test_a_link_planted_at_the_temporary_name_is_not_followed(tmp_path: Path, writer: str) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    out = tmp_path / "report.txt"
    for planted in (out.with_name(out.name + ".tmp"), tmp_path / f".{out.name}.tmp"):
        planted.symlink_to(victim)
    if writer == "history -o":
        assert perfscore("score", str(FIXTURE_RUN), "--history", str(tmp_path / "h.sqlite")).code == 0
    res = perfscore(*_writers(tmp_path, out)[writer], cwd=tmp_path)
    assert res.code == 0, res.err
    assert victim.read_text() == "precious\n"
    assert out.is_file() and not out.is_symlink() and out.stat().st_size > 0
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]


def test_a_report_written_through_a_temporary_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    out = tmp_path / "r.txt"
    old = os.umask(0o022)
    try:
        assert perfscore("schema", "run", "-o", str(out)).code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # not the 0600 of a bare mkstemp


def test_a_tampered_history_prints_no_escape_sequence(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    assert perfscore("score", str(FIXTURE_RUN), "--history", str(history)).code == 0
    with sqlite3.connect(history) as db:
        db.execute("UPDATE audits SET target = ?, rubric = ?", ("Loan\x1b]0;pwned\x07\x1b[2JFlow\u202e", "r\x1b[31m"))
    for fmt in ("terminal", "json"):
        res = perfscore("history", "--history", str(history), "-f", fmt)
        assert res.code == 0, res.err
        assert "\x1b" not in res.out and "\x07" not in res.out and "\u202e" not in res.out
        assert "\\u001b" not in res.out  # nor in JSON's spelling
        assert "Loan]0;pwned[2JFlow" in res.out


@pytest.mark.parametrize("command", ["history", "score"])
def test_a_device_as_the_history_is_refused_not_journaled_beside(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for device in ("/dev/null", str(fifo)):
        args = ["history"] if command == "history" else ["score", str(FIXTURE_RUN)]
        res = perfscore(*args, "--history", device)
        assert res.code == 2, res.err
        assert "not a regular file" in res.err
    assert not Path("/dev/null-journal").exists() and not (tmp_path / "fifo-journal").exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["score", "missing.json"], 2),  # the error message cannot be written: still exit 2
        (["score", str(FIXTURE_RUN), "-o", "/dev/full"], 2),
        (["schema", "run"], 0),
    ],
)
def test_standard_error_on_a_full_disk_leaves_the_exit_code_alone(tmp_path: Path, args: list[str], code: int) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "perfscore", *args],
            stdout=subprocess.DEVNULL,
            stderr=full,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO / "src")},
            timeout=60,
            check=False,
        )
    assert proc.returncode == code


@pytest.mark.parametrize("writer", ["score -o", "init"])
def test_a_fifo_nobody_reads_as_the_output_is_refused_at_once(tmp_path: Path, writer: str) -> None:
    fifo = tmp_path / "out.txt"
    os.mkfifo(fifo)
    # A write blocked for ever would hold this test: the command runs in a process, bounded by its timeout.
    args = _writers(tmp_path, fifo)[writer]
    proc = subprocess.run(
        [sys.executable, "-m", "perfscore", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "a FIFO that nothing reads from" in proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO, not replaced by a file


def test_a_fifo_with_a_reader_still_gets_the_report(tmp_path: Path) -> None:
    fifo = tmp_path / "out.txt"
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the reader, in place before perfscore opens
    keep = os.open(fifo, os.O_WRONLY)  # a writer of ours: the reader waits for data, not EOF, meanwhile
    os.set_blocking(rfd, True)
    got = bytearray()

    def drain() -> None:
        while chunk := os.read(rfd, 65536):
            got.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        res = perfscore("schema", "run", "-o", str(fifo))  # ~80 KB: more than a pipe holds unread
    finally:
        os.close(keep)
        reader.join(timeout=30)
        os.close(rfd)
    assert res.code == 0, res.err
    assert b'"title": "Run"' in got


@pytest.mark.parametrize("writer", ["schema -o", "score -o"])
def test_a_fifo_whose_reader_never_reads_is_an_error_in_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    import fcntl

    from perfscore import files

    monkeypatch.setattr(files, "WRITE_STALL_S", 0.5)
    fifo = tmp_path / "out.txt"
    os.mkfifo(fifo)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opened, and never read
    fcntl.fcntl(rfd, fcntl.F_SETPIPE_SZ, 4096)  # the smallest pipe: every writer's output is more than it holds
    # Should the bound fail, closing the reader breaks the write (EPIPE): the test fails instead of hanging.
    watchdog = threading.Timer(30, os.close, (rfd,))
    watchdog.start()
    try:
        t0 = time.monotonic()
        res = perfscore(*_writers(tmp_path, fifo)[writer])
        took = time.monotonic() - t0
    finally:
        watchdog.cancel()
        with contextlib.suppress(OSError):
            os.close(rfd)
    assert res.code == 2, (res.code, res.err)
    assert "its reader took nothing for 0.5 s" in res.err and "Traceback" not in res.err, res.err
    assert took < 15, f"{took:.1f} s"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
