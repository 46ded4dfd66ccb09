"""The folder's perfscore.yaml is found like LHCI's rc file, and audits and `perfscore history` share one
history (issue 14: `audit` said "nothing to audit" there, and `history` read a file no audit wrote)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import perfscore
from tests.hostile import servers

pytestmark = pytest.mark.server


@pytest.fixture
def site() -> Iterator[int]:
    port, stop = servers.start("http-ok")
    yield port
    stop()


def test_the_folders_config_is_used_and_audits_land_in_the_history_history_reads(site: int, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"XDG_DATA_HOME": str(data)}
    (tmp_path / "perfscore.yaml").write_text(
        f"target: {{name: discovered, base_url: 'http://127.0.0.1:{site}'}}\n"
        "audit: {duration_s: 1, probe_timeout_s: 5, load: {scalability: false}}\n"
    )
    before = perfscore("history", cwd=tmp_path, env=env)
    assert before.code == 0 and "no audits recorded yet" in before.out
    res = perfscore("audit", "-f", "json", "-o", "r.json", cwd=tmp_path, env=env)
    assert res.code in (0, 1), res.err
    assert "using ./perfscore.yaml" in res.err
    for cwd in (tmp_path, data):  # from the project folder and from anywhere else: the same history
        listed = perfscore("history", cwd=cwd, env=env)
        assert listed.code == 0 and "discovered" in listed.out, listed.out
    skipped = perfscore("audit", "--no-history", "-q", "-f", "json", "-o", "r.json", cwd=tmp_path, env=env)
    assert skipped.code in (0, 1)
    assert perfscore("history", "-f", "json", cwd=tmp_path, env=env).out.count('"target": "discovered"') == 1


def test_the_configs_own_history_wins_for_both(site: int, tmp_path: Path) -> None:
    (tmp_path / "perfscore.yaml").write_text(
        f"target: {{name: own, base_url: 'http://127.0.0.1:{site}'}}\n"
        "audit: {duration_s: 1, probe_timeout_s: 5, load: {scalability: false}}\n"
        "gate: {history: trend.sqlite}\n"
    )
    res = perfscore("audit", "-q", "-f", "json", "-o", "r.json", cwd=tmp_path, env={"XDG_DATA_HOME": str(tmp_path)})
    assert res.code in (0, 1), res.err
    assert (tmp_path / "trend.sqlite").exists()
    assert "own" in perfscore("history", cwd=tmp_path).out
