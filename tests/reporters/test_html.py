"""The HTML report: self-contained, complete, inert to hostile target strings, and it renders."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from perfscore.reporters import render
from perfscore.rubric import load_rubric
from perfscore.run import load_run
from perfscore.scoring import score_run
from tests.conftest import SEED, perfscore
from tests.reporters.hostile import hostile_result

SEED_RESULT = score_run(load_run(SEED / "run.json"), load_rubric(SEED / "rubric.yaml"))


class Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "action", "data", "poster", "srcset") and value:
                self.urls.append(value)
            if name.startswith("on"):
                self.handlers.append(f"{tag}.{name}")


def parse(html: str) -> Resources:
    p = Resources()
    p.feed(html)
    return p


def test_self_contained_and_complete() -> None:
    html = render(SEED_RESULT, "html")
    res = parse(html)
    assert res.urls == [] and "script" not in res.tags and "link" not in res.tags
    assert "default-src 'none'" in html
    for title in (
        "Database performance",
        "Caching implementation",
        "Memory management",
        "Response time",
        "Error handling",
        "Scalability",
        "Monitoring",
    ):
        assert title in html
    assert "Gap-to-100 roadmap" in html and "95.05" in html and "96.35" in html and "99.80" in html


def test_hostile_strings_cannot_inject() -> None:
    html = render(hostile_result(), "html")
    res = parse(html)
    assert "script" not in res.tags and "img" not in res.tags
    assert res.urls == [] and res.handlers == []
    assert "&lt;script&gt;" in html
    assert "{{7*7}}" in html or "{{ 7*7 }}" in html  # not evaluated
    assert "49" not in html.split("{{7*7}}")[0][-3:]


@pytest.mark.slow
def test_renders_in_headless_chromium(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make test installs it)")
    page = tmp_path / "report.html"
    shot = tmp_path / "shot.png"
    res = perfscore(
        "score", str(SEED / "run.json"), "--rubric", str(SEED / "rubric.yaml"), "-f", "html", "-o", str(page)
    )
    assert res.code == 0, res.err
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--proxy-server=127.0.0.1:9",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    assert img.size == (1200, 1600)
    pixels = list(img.get_flattened_data() if hasattr(img, "get_flattened_data") else img.getdata())
    non_white = sum(1 for r, g, b in pixels if r + g + b < 700) / len(pixels)
    assert non_white > 0.03, "the screenshot is blank"
    greens = sum(1 for r, g, b in pixels if g > 100 and r < 60 and b < 90)
    assert greens > 500, "the score gauge and bars (green for 90+) are not drawn"
