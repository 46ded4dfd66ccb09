"""The README stays short and points into docs/ (issue 23): its links land on pages and headings that
exist, its CI example is the one tests/audit/test_readme_ci.py runs, and docs/ci.md shows the same block."""

from __future__ import annotations

import re

from tests.audit.test_readme_ci import github_steps
from tests.conftest import REPO

CI_BLOCK = re.compile(r"```yaml\n# GitHub Actions\n.*?```", re.S)


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub and mkdocs' toc make it (for the headings these pages use)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_readme_is_short_and_its_ci_example_is_extracted() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move detail into docs/"
    steps = github_steps()
    assert any("perfscore audit" in str(step.get("run", "")) for step in steps)


def test_the_ci_page_shows_the_readmes_tested_block() -> None:
    readme = CI_BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))
    page = CI_BLOCK.findall((REPO / "docs" / "ci.md").read_text(encoding="utf-8"))
    assert len(readme) == 1 and page == readme, "docs/ci.md's GitHub Actions block differs from README.md's"


def test_the_readmes_links_into_docs_exist() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#([^)\s]+))?\)", text)
    assert any(target.startswith("docs/") for target, _ in links)
    for target, anchor in links:
        if "://" in target:
            continue
        path = REPO / target
        assert path.is_file(), f"README.md links to {target}, which does not exist"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
            assert anchor in {_slug(h) for h in headings}, f"README.md links to {target}#{anchor}: no such heading"
