"""The HTML report: self-contained, complete, inert to hostile target strings, and it renders."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from perfscore.reporters import render
from perfscore.rubric import load_rubric
from perfscore.run import load_run
from perfscore.scoring import score_run
from tests.conftest import REPO, SEED, perfscore
from tests.reporters.hostile import hostile_result
from tests.stack.fixtures import Audited

CATEGORY_TITLES = (
    "Database performance",
    "Caching implementation",
    "Memory management",
    "Response time",
    "Error handling",
    "Scalability",
    "Monitoring",
)
SEED_RESULT = score_run(load_run(SEED / "run.json"), load_rubric(SEED / "rubric.yaml"))


class Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []  # what a browser would load
        self.links: list[str] = []  # where a reader may go ("learn more"): never loaded
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if tag == "a" and name == "href" and value:
                self.links.append(value)
            elif name in ("src", "href", "action", "data", "poster", "srcset") and value:
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
    for title in CATEGORY_TITLES:
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
    assert "\x1b" not in html and "\x07" not in html  # terminal controls from the target are blanked
    assert "svg" in res.tags and "&lt;svg" not in html  # ... while the report's own charts stay charts


CHROMIUM_OWN = re.compile(
    r"\b(clients\d*\.google\.com|accounts\.google\.com|[\w.-]+\.googleapis\.com|"
    r"[\w.-]+\.gvt1\.com)(:\d+)?[/ ]"
)


class ProxySpy:
    """A TCP listener posing as Chromium's proxy: any network fetch the page attempts lands here."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.requests: list[str] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.settimeout(2)
            try:
                self.requests.append(conn.recv(300).split(b"\r\n", 1)[0].decode("latin-1"))
            except OSError:
                self.requests.append("?")
            conn.close()

    def page_requests(self) -> list[str]:
        # Chromium's own background calls (clock sync, sign-in, component updates) are not the page's.
        return [r for r in self.requests if not CHROMIUM_OWN.search(r)]

    def close(self) -> None:
        self.sock.close()


def screenshot(page: Path, shot: Path, spy: ProxySpy, tmp_path: Path, size: tuple[int, int] = (1200, 1600)) -> None:
    """A PNG of ``page`` at ``size`` (a .png ``shot``) or its print preview (a .pdf ``shot``)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: `make test` should have installed it")
        pytest.skip("chromium is not installed (make test installs it)")
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
            f"--proxy-server=http://127.0.0.1:{spy.port}",
            "--proxy-bypass-list=<-loopback>",
            f"--window-size={size[0]},{size[1]}",
            "--virtual-time-budget=3000",
            f"--print-to-pdf={shot}" if shot.suffix == ".pdf" else f"--screenshot={shot}",
            "--no-pdf-header-footer",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )


def check_screenshot(shot: Path, size: tuple[int, int] = (1200, 1600)) -> None:
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    assert img.size == size
    pixels = list(img.get_flattened_data() if hasattr(img, "get_flattened_data") else img.getdata())
    non_white = sum(1 for r, g, b in pixels if r + g + b < 700) / len(pixels)
    assert non_white > 0.03, "the screenshot is blank"
    colored = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 80)
    assert colored > 500, "the score gauge and bars are not drawn"


@pytest.mark.slow
@pytest.mark.e2e  # a real headless Chromium
@pytest.mark.integration  # a browser beside perfscore, a few CPU-s a page: make test-integrations
def test_the_spy_sees_a_page_that_loads_from_the_network(tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><img src="http://perfscore.invalid/x.png">hi</body></html>')
    spy = ProxySpy()
    try:
        screenshot(page, tmp_path / "leaky.png", spy, tmp_path)
    finally:
        spy.close()
    assert any("perfscore.invalid" in r for r in spy.page_requests())  # the detector works


@pytest.mark.slow
@pytest.mark.e2e  # a real headless Chromium
@pytest.mark.integration  # a browser beside perfscore, a few CPU-s a page: make test-integrations
def test_renders_in_headless_chromium_without_network(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    shot = tmp_path / "shot.png"
    res = perfscore(
        "score", str(SEED / "run.json"), "--rubric", str(SEED / "rubric.yaml"), "-f", "html", "-o", str(page)
    )
    assert res.code == 0, res.err
    spy = ProxySpy()
    try:
        screenshot(page, shot, spy, tmp_path)
    finally:
        spy.close()
    assert spy.page_requests() == []
    check_screenshot(shot)


@pytest.mark.slow
@pytest.mark.stack
def test_audit_report_of_the_reference_stack_renders(tmp_path: Path, healthy_audit: Audited) -> None:
    page = tmp_path / "latest.html"
    res = perfscore("score", str(healthy_audit.run), "--format", "html", "--output", str(page))
    assert res.code in (0, 1), res.err
    html = page.read_text()
    for title in (*CATEGORY_TITLES, "Gap-to-100 roadmap"):
        assert title in html
    assert parse(html).urls == []
    spy = ProxySpy()
    try:
        screenshot(page, tmp_path / "shot.png", spy, tmp_path)
    finally:
        spy.close()
    assert spy.page_requests() == []
    check_screenshot(tmp_path / "shot.png")


def test_the_report_explains_the_rubric_it_was_scored_with(tmp_path: Path) -> None:
    rubric = tmp_path / "r.yaml"
    rubric.write_text(
        "extends: default\n"
        "categories:\n"
        "  database: {title: Data tier, weight: 40}\n"
        "  caching: {title: Caching implementation, weight: 5}\n"
    )
    html = render(score_run(load_run(SEED / "run.json"), load_rubric(rubric)), "html")
    how = html[html.index("How to read this") :]
    assert "data tier 40 %, caching implementation 5 %, memory management 15 %" in how, how[:400]
    assert "database 25" not in how


MANAGER = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"


def test_a_manager_reads_one_sentence_one_view_and_charts() -> None:
    result = score_run(load_run(MANAGER), load_rubric())
    html = render(result, "html")
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    # one sentence at the top: where the stack stands, the biggest gap, what the first phase buys
    top = html[: html.index("<h2>Categories</h2>")]
    assert "The biggest gap is" in top and "would bring it to" in top
    assert top.index("How to read this") < len(top)  # where a first reader needs it, not at the bottom
    # the gauge and the headline say the same number
    assert html.count(f"{result.score:.2f}") >= 2 and f">{result.score:.1f}<" not in html
    # one view of categories: no separate bar chart repeating the table, no always-100 target column
    assert (
        'aria-label="category scores"' not in html and '<th class="num">Target</th><th class="num">Points' not in html
    )
    # charts people would rather look at than read
    assert 'aria-label="scalability ramp"' in html and "SLO p95 200 ms" in html
    assert 'aria-label="latency per endpoint"' in html
    # evidence as tables, never raw JSON; units as people say them
    assert '{"' not in html and '"steps": [' not in text
    assert not re.search(r"\d ratio\b", text) and not re.search(r"\b1 replicas\b", text)
    # a warning the verdict states once is not repeated per metric
    for v in result.verdict:
        reason = v.split(": ", 1)[-1]
        assert text.count(reason) == 1, reason
    # every metric with a primary source links to it; links are https and never loaded
    links = parse(html).links
    with_ref = [m for c in result.categories for m in c.metrics if m.reference]
    assert len(with_ref) == len(result.categories and [m for c in result.categories for m in c.metrics])
    assert links and all(link.startswith("https://") for link in links)
    assert parse(html).urls == []


@pytest.mark.slow
@pytest.mark.e2e  # a real headless Chromium
@pytest.mark.integration  # a browser beside perfscore, a few CPU-s a page: make test-integrations
def test_the_manager_report_renders_on_desktop_phone_and_paper(tmp_path: Path) -> None:
    """Screenshots at 1280 px and 390 px and a print preview (not committed: under the test's tmp dir)."""
    page = tmp_path / "report.html"
    assert perfscore("score", str(MANAGER), "-o", str(page)).code == 0
    spy = ProxySpy()
    try:
        for size in ((1280, 2400), (390, 2400)):
            shot = tmp_path / f"report-{size[0]}.png"
            screenshot(page, shot, spy, tmp_path, size)
            check_screenshot(shot, size)
        pdf = tmp_path / "report.pdf"
        screenshot(page, pdf, spy, tmp_path)
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
    finally:
        spy.close()
    assert spy.page_requests() == []
    from PIL import Image

    phone = Image.open(tmp_path / "report-390.png").convert("RGB")
    # nothing overflows the phone's width: the right-most column of pixels is page background, not content
    edge = [phone.getpixel((389, y)) for y in range(0, 2400, 4)]
    assert sum(1 for px in edge if sum(px) < 600) < 20


def test_each_roadmap_item_says_which_facts_its_advice_is_for_in_every_format() -> None:
    """The facts a roadmap item's advice rests on ("advice for: …") are printed per item in HTML as in the
    terminal and Markdown reports, escaped, and only on the items whose advice rests on some."""
    from perfscore.run import Measurement, Run

    source = "pool <b>www</b> & co: opcache.enable = 1"
    run = Run(
        measurements=[
            Measurement(metric="php.opcache", value=True, evidence={"source": source}),
            Measurement(metric="host.cpu_utilisation", value=3.0, unit="ratio"),
            Measurement(metric="mysql.connections_per_request", value=1.0),
        ]
    )
    result = score_run(run, load_rubric())
    items = {i.metric: i for i in result.roadmap}
    assert items["host.cpu_utilisation"].assumes == [f"opcache_enabled: true ({source})"]
    assert items["mysql.connections_per_request"].assumes == []  # nobody told its client: generic advice
    html = render(result, "html")
    rows = {i.metric: next(r for r in html.split("<tr>") if f">{i.metric} " in r or f">{i.metric}<" in r) for i in
            items.values()}  # fmt: skip
    said = "opcache_enabled: true (pool &lt;b&gt;www&lt;/b&gt; &amp; co: opcache.enable = 1)"
    assert re.search(r"advice for: " + re.escape(said), rows["host.cpu_utilisation"], re.IGNORECASE)
    assert "<b>www" not in html
    assert "advice for" not in rows["mysql.connections_per_request"].lower()
    for fmt in ("markdown", "terminal"):
        text = " ".join(render(result, fmt).replace("\\_", "_").split())  # Markdown escapes the underscore
        assert "advice for: opcache_enabled: true (pool" in text, fmt
