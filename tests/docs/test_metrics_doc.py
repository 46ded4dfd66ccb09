"""docs/metrics.md is generated from the audits and the default rubric: it must be current and complete."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from perfscore.audits import REGISTRY
from tests.conftest import REPO

DOC = REPO / "docs" / "metrics.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_metrics", REPO / "tools" / "gen_metrics.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_metrics_doc_is_current() -> None:
    gen = _generator()
    assert DOC.exists(), f"docs/metrics.md is missing: run `{gen.COMMAND}`"
    assert DOC.read_text() == gen.render(), f"docs/metrics.md is stale: run `{gen.COMMAND}` and commit it"


def test_every_registered_metric_is_documented() -> None:
    text = DOC.read_text()
    for mid, spec in REGISTRY.items():
        assert spec.description.strip(), f"{mid}: its @audit has no description"
        assert spec.source.startswith("https://"), f"{mid}: its @audit source is not an https link"
        assert f"### `{mid}`" in text, f"{mid} is not in docs/metrics.md"


def test_the_generator_reports_a_stale_page(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    gen = _generator()
    page = tmp_path / "metrics.md"
    page.write_text("old\n")
    monkeypatch.setattr(gen, "OUT", page)
    assert gen.main(["--check"]) == 1
    assert gen.COMMAND in capsys.readouterr().err
    assert gen.main([]) == 0 and page.read_text() == gen.render()
    assert gen.main(["--check"]) == 0
