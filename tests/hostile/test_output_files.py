"""Writing outputs where others can plant files (issue 29): the temporary file is unpredictable and created
exclusively, never through a link; a FIFO nobody reads is a clear error, not a hang."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.conftest import SEED, assert_clean_error, perfscore


def _score(out: Path) -> object:
    return perfscore(
        "score", str(SEED / "run.json"), "--rubric", str(SEED / "rubric.yaml"), "-f", "json", "-o", str(out)
    )


def test_a_planted_tmp_link_is_neither_followed_nor_consumed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "r.json"
    planted = tmp_path / "r.json.tmp"
    planted.symlink_to(victim)
    res = _score(out)
    assert res.code == 0, res.err  # type: ignore[attr-defined]
    assert victim.read_text() == "precious\n"  # not overwritten through the link
    assert planted.is_symlink() and os.readlink(planted) == str(victim)  # not consumed either
    assert out.read_text().lstrip().startswith("{")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp") and p != planted]  # nothing left behind


def test_a_fifo_with_no_reader_is_an_error_in_bounded_time(tmp_path: Path) -> None:
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    t0 = time.monotonic()
    res = _score(fifo)
    assert_clean_error(res, 2, "FIFO that nothing reads from")  # type: ignore[arg-type]
    assert time.monotonic() - t0 < 10
