"""docs/config-reference.md is generated from the config model: a field added or changed in
src/perfscore/config.py without regenerating the page fails here."""

from __future__ import annotations

from tools.gen_config_reference import COMMAND, OUT, render

from tests.conftest import REPO


def test_the_config_reference_is_the_models() -> None:
    assert OUT == REPO / "docs" / "config-reference.md"
    assert OUT.read_text(encoding="utf-8") == render(), f"docs/config-reference.md is stale: run {COMMAND}"


def test_every_config_field_is_documented() -> None:
    page = render()
    for key in ("`duration_s`", "`slo_p95_ms`", "`replicas`", "`fail_on`", "`exporter_instance`", "`results`"):
        assert key in page, key
    assert "ForwardRef" not in page
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert rows and all(not line.rstrip().endswith("|  |") for line in rows), "a field without a meaning"
