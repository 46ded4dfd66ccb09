"""A served installer, dump or .env is critical as a served .env always was: it leads the roadmap and
caps the score (the default rubric's cap on http.no_exposed_files)."""

from __future__ import annotations

import pytest

from perfscore.artifacts import Artifacts
from perfscore.artifacts.exposure import DUMP, ENV, INSTALLER, ExposureSnapshot, PathCheck
from perfscore.rubric import load_rubric
from perfscore.run import Run
from perfscore.scoring import score_run

EXPOSED = {
    INSTALLER: PathCheck(
        path="/install.php",
        source="webroot",
        kind=INSTALLER,
        size_on_disk=900,
        status=200,
        bytes=700,
        kinds=["setup form"],
    ),
    DUMP: PathCheck(path="/db/app.sql", source="webroot", kind=DUMP, size_on_disk=9000, status=206, bytes=9000),
    ENV: PathCheck(path="/.env", kind=ENV, status=200, bytes=80, kinds=["secrets in an environment file"]),
}


@pytest.mark.parametrize("kind", list(EXPOSED))
def test_a_served_file_of_each_critical_kind_leads_the_roadmap_and_caps_the_score(kind: str) -> None:
    snap = ExposureSnapshot(fallback_status=404, checks=[PathCheck(path="/.git/HEAD", status=404), EXPOSED[kind]])
    result = score_run(Run(artifacts=Artifacts(exposure=snap)), load_rubric())
    first = result.roadmap[0]
    assert first.metric == "http.no_exposed_files" and first.critical, result.roadmap[:2]
    assert result.score <= 49 and "serves secrets, dumps or an installer to anyone" in result.verdict[0], result.verdict
    assert EXPOSED[kind].path in (first.detail or "") + first.action, first
    if kind == INSTALLER:
        assert first.action.startswith("Delete /install.php"), first.action
