"""--output and --save-run never replace what is not a regular file; failures are exit 2 with the path."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from tests.conftest import REPO, assert_clean_error, perfscore

V2 = str(REPO / "tests" / "fixtures" / "run-v2-reference-stack.json")


def test_a_symlink_is_written_through_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    res = perfscore("score", V2, "--format", "json", "--output", str(link))
    assert res.code == 0, res.err
    assert link.is_symlink() and '"score"' in target.read_text()


def test_a_fifo_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    res = perfscore("score", V2, "--format", "markdown", "--output", str(fifo))
    reader.join(10)
    assert res.code == 0, res.err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, not a regular file renamed over it
    assert got and b"Performance score" in got[0]


def test_a_full_device_is_a_clear_error_and_stays_a_device(tmp_path: Path) -> None:
    res = perfscore("score", V2, "--output", "/dev/full")
    assert_clean_error(res, 2, "cannot write /dev/full", "no space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_an_unwritable_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = perfscore("score", V2, "--output", str(blocker / "sub" / "r.txt"))
    assert_clean_error(res, 2, f"cannot write {blocker / 'sub' / 'r.txt'}")
