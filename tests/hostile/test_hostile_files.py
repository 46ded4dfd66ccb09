"""Attacks through the files perfscore writes and reads (issue #29): a planted link beside an output, a
FIFO as an output, a tampered history."""

from __future__ import annotations

import os
import stat
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
