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

from tests.conftest import NO_RAMP, REPO, Cli, perfscore
from tests.hostile import servers

FIXTURE_RUN = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"


K6_SUMMARY = REPO / "tests" / "imports" / "fixtures" / "k6-summary.json"
ACCESS_LOG = "".join(
    f'127.0.0.1 - - [06/Dec/2026:10:00:{i:02d} +0000] "GET /loans/{i} HTTP/1.1" 200 512 "-" "curl/8"\n'
    for i in range(20)
)


def _writers(tmp: Path, out: Path, port: int = 9) -> dict[str, list[str]]:
    """Each command that writes a file, writing ``out`` (``port``: the local server a load or an audit targets)."""
    (tmp / "access.log").write_text(ACCESS_LOG)
    return {
        "score -o": ["score", str(FIXTURE_RUN), "-o", str(out)],
        "schema -o": ["schema", "run", "-o", str(out)],
        "compare -o": ["compare", str(FIXTURE_RUN), str(FIXTURE_RUN), "-o", str(out)],
        "history -o": ["history", "--history", str(tmp / "h.sqlite"), "-o", str(out)],
        "init": ["init", str(out), "--force"],
        "field -o": ["field", str(tmp / "access.log"), "-f", "json", "-o", str(out)],
        "import --save-run": ["import", "k6", str(K6_SUMMARY), "--save-run", str(out)],
        "load -o": [
            *("load", f"http://127.0.0.1:{port}/", "-d", "1", "-c", "2", "--warmup", "0"),
            *("-f", "json", "-o", str(out)),
        ],
        "audit --save-run": [
            *("audit", "--url", f"http://127.0.0.1:{port}/", "--config", str(NO_RAMP), "--duration", "1"),
            *("--history", str(tmp / "a.sqlite"), "-f", "json", "-o", str(tmp / "report.json"), "--save-run", str(out)),
        ],
    }


def _plant(tmp: Path, out: Path) -> Path:
    """Links at the names a writer might use for its temporary file, to a file of someone else's."""
    victim = tmp / "victim"
    victim.write_text("precious\n")
    for planted in (out.with_name(out.name + ".tmp"), tmp / f".{out.name}.tmp"):
        planted.symlink_to(victim)
    return victim


def _not_followed(tmp: Path, out: Path, victim: Path, res: Cli, codes: tuple[int, ...] = (0,)) -> None:
    assert res.code in codes, (res.code, res.err)
    assert victim.read_text() == "precious\n"
    assert out.is_file() and not out.is_symlink() and out.stat().st_size > 0
    assert not [p.name for p in tmp.iterdir() if p.name.endswith(".tmp") and not p.is_symlink()]


@pytest.mark.parametrize(
    "writer", ["score -o", "schema -o", "compare -o", "history -o", "init", "field -o", "import --save-run"]
)
def test_a_link_planted_at_the_temporary_name_is_not_followed(tmp_path: Path, writer: str) -> None:
    out = tmp_path / "report.txt"
    victim = _plant(tmp_path, out)
    if writer == "history -o":
        assert perfscore("score", str(FIXTURE_RUN), "--history", str(tmp_path / "h.sqlite")).code == 0
    res = perfscore(*_writers(tmp_path, out)[writer], cwd=tmp_path)
    _not_followed(tmp_path, out, victim, res, (0, 1) if writer == "import --save-run" else (0,))
    if writer in ("field -o", "import --save-run"):
        assert out.read_text().lstrip().startswith("{")  # the writer's own output, whole


@pytest.mark.server
@pytest.mark.parametrize("writer", ["load -o", "audit --save-run"])
def test_a_link_planted_beside_a_measured_output_is_not_followed(tmp_path: Path, writer: str) -> None:
    port, stop = servers.start("http-ok")
    try:
        out = tmp_path / "out.json"
        victim = _plant(tmp_path, out)
        res = perfscore(*_writers(tmp_path, out, port)[writer], cwd=tmp_path)
    finally:
        stop()
    _not_followed(tmp_path, out, victim, res, (0, 1))  # 1: a gate of the tiny site's audit may fail
    assert out.read_text().lstrip().startswith("{")


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
@pytest.mark.e2e  # a real process: only it has a standard error on /dev/full
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


@pytest.mark.e2e  # in a process, bounded by its timeout: a regression blocks it, not the suite
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
