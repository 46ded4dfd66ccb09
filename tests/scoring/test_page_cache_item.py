"""Page cache as an opportunity (issue 25), scored: the saved reference run with the single-user snapshots
of the audit cases (tests/audits/cases/unloaded.yaml). Where a slow anonymous page is cacheable and no cache
answers it, caching is not "Done" and the roadmap has a page-cache item with its measured gain; where a
page cache answers, the same run's caching category is complete."""

from __future__ import annotations

from pathlib import Path

import yaml

from perfscore.artifacts.unloaded import UnloadedSnapshot
from perfscore.result import Result
from perfscore.rubric import load_rubric
from perfscore.run import load_run
from perfscore.scoring import score_run

TESTS = Path(__file__).parents[1]
SAVED = TESTS / "fixtures" / "run-v2-reference-stack.json"
CASES = yaml.safe_load((TESTS / "audits" / "cases" / "unloaded.yaml").read_text())
RUBRIC = load_rubric()


def _case(starts: str) -> UnloadedSnapshot:
    return UnloadedSnapshot.model_validate(next(c for c in CASES if c["name"].startswith(starts))["snapshot"])


def _scored(unloaded: UnloadedSnapshot) -> Result:
    run = load_run(SAVED)
    assert run.artifacts is not None and run.artifacts.unloaded is None  # the page cache was never measured
    artifacts = run.artifacts.model_copy(update={"unloaded": unloaded})
    return score_run(run.model_copy(update={"artifacts": artifacts}), RUBRIC)


def test_caching_is_not_done_while_a_page_cache_item_with_a_gain_applies() -> None:
    result = _scored(_case("a slow anonymous page"))
    caching = next(c for c in result.categories if c.id == "caching")
    metric = next(m for m in caching.metrics if m.id == "http.page_cache")
    assert metric.status == "measured" and metric.value == 178.0 and not metric.meets_target
    item = next(i for i in result.roadmap if i.metric == "http.page_cache")
    assert item.category == "caching" and item.gain > 0 and item.saving_ms == 178.0
    assert caching.score < 100 and caching.priority != "Done" and caching.weighted_impact > 0.005
    # The same run with a page cache answering its pages: nothing left to do in caching.
    answered = _scored(_case("Varnish's two ids"))
    done = next(c for c in answered.categories if c.id == "caching")
    assert next(m for m in done.metrics if m.id == "http.page_cache").status == "not_applicable"
    assert done.score == 100 and done.priority == "Done"
    assert all(i.metric != "http.page_cache" and i.category != "caching" for i in answered.roadmap)
