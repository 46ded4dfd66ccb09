"""Every report lists each injected fault with its start, hold, undo and recovery times, what failed and
where (issue 27), from a saved run of three faults: a Redis stop held 10 s that came back, a database pause
that never did (its name carrying markup and a pipe), and a kill that could not run. A run without faults
has no such section."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from perfscore.reporters import render
from perfscore.rubric import load_rubric
from perfscore.run import load_run
from perfscore.scoring import score_run
from tests.conftest import REPO, SEED, perfscore

RUN = REPO / "tests" / "fixtures" / "run-faults.json"
RESULT = score_run(load_run(RUN), load_rubric())
NO_FAULTS = score_run(load_run(SEED / "run.json"), load_rubric(SEED / "rubric.yaml"))

# name, kind, started (UTC, the day in the title), held, undone at, recovered at, failed, failing endpoints
EXPECTED = [
    ["Redis stopped for 10 s", "command", "09:27:30", "10.0 s", "+10.4 s", "+11 s", "123",
     "loan 70, borrower_loans 33, search 20"],
    ["database paused <b>for</b> 5 s | hung", "pause", "09:28:00", "5.0 s", "+5.0 s",
     "not within 30 s of the undo", "700", "dashboard 350, loan 350"],
    ["PHP-FPM workers killed", "kill", "09:28:50", "—", "—", "did not run", "—", "—"],
]  # fmt: skip


def test_the_saved_run_keeps_each_faults_start_in_its_evidence() -> None:
    rec = next(m for c in RESULT.categories for m in c.metrics if m.id == "resilience.recovery_time")
    starts = [f["started_at"] for f in rec.evidence["faults"]]
    assert starts == ["2026-03-14T09:27:30.250+00:00", "2026-03-14T09:28:00.500+00:00", "2026-03-14T09:28:50.000+00:00"]
    first = rec.evidence["faults"][0]
    assert (first["returned_s"], first["held_s"], first["undo_started_s"], first["undone_s"]) == (
        0.214, 10.003, 10.217, 10.391,
    )  # fmt: skip


def test_terminal_lists_each_fault() -> None:
    text = render(RESULT, "terminal", ctx=None)
    assert "Faults injected on 2026-03-14 (times in UTC)" in text
    lines = text.splitlines()
    for row in EXPECTED:
        # Rich wraps long cells: each row's first line has its name's start, its time, its marks.
        line = next(ln for ln in lines if row[2] in ln)
        for cell in (row[1], row[3], row[4], row[6]):
            assert cell in line, (cell, line)
        assert row[5].split()[0] in line, (row[5], line)
    assert "the undo command exited 1" in text and "no process matches" in text


def test_markdown_lists_each_fault_in_a_table_of_its_own() -> None:
    text = render(RESULT, "markdown")
    assert "### Faults injected on 2026-03-14 (times in UTC)" in text
    start = text.index("| Fault | Kind | Started | Held | Undone at | Recovered at | Failed | Failing endpoints |")
    rows = [ln for ln in text[start:].splitlines()[2:] if ln.startswith("|")][:3]
    assert len(rows) == 3, text[start:]
    for row, expected in zip(rows, EXPECTED, strict=True):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]  # an escaped pipe is no column
        unescaped = [re.sub(r"\\(.)", r"\1", c).replace("&lt;", "<").replace("&gt;", ">") for c in cells]
        assert unescaped == expected, row
    assert "<b>" not in text  # the fault's name is text, not markup


class _Tables(HTMLParser):
    """The cells of the section titled "Faults injected…"."""

    def __init__(self) -> None:
        super().__init__()
        self.in_section = self.in_h2 = self.in_cell = self.in_detail = False
        self.title = ""
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.in_section = ("class", "faults") in attrs
        elif self.in_section and tag == "h2":
            self.in_h2 = True
        elif self.in_section and tag == "tr":
            self.rows.append([])
        elif self.in_section and tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")
        elif self.in_cell and tag == "div":
            self.in_detail = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.in_section = False
        elif tag == "h2":
            self.in_h2 = False
        elif tag in ("td", "th"):
            self.in_cell = False
        elif tag == "div":
            self.in_detail = False

    def handle_data(self, data: str) -> None:
        if self.in_h2:
            self.title += data
        elif self.in_cell and not self.in_detail:
            self.rows[-1][-1] += data


def test_html_lists_each_fault_with_every_column() -> None:
    text = render(RESULT, "html")
    parsed = _Tables()
    parsed.feed(text)
    assert parsed.title == "Faults injected on 2026-03-14 (times in UTC)"
    head, *rows = parsed.rows
    assert head == ["Fault", "Kind", "Started", "Held", "Undone at", "Recovered at", "Failed", "Failing endpoints"]
    assert rows == EXPECTED
    assert "<b>for</b>" not in text and "&lt;b&gt;for&lt;/b&gt;" in text


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
def test_a_run_without_faults_has_no_fault_section(fmt: str) -> None:
    assert "Faults injected" not in render(NO_FAULTS, fmt)


def test_perfscore_score_of_the_saved_run_lists_the_faults() -> None:
    res = perfscore("score", str(RUN), "-f", "markdown")
    assert res.code in (0, 1), res.err
    assert "| Redis stopped for 10 s | command | 09:27:30 | 10.0 s | +10.4 s | +11 s | 123 |" in res.out, res.out


@pytest.mark.parametrize("fmt", ["terminal", "markdown", "html"])
def test_every_format_says_what_steady_traffic_the_faults_ran_under(fmt: str) -> None:
    """A stranger's pass: the rate's basis was in the progress lines and the JSON only."""
    run = load_run(RUN)
    assert run.artifacts is not None and run.artifacts.resilience is not None
    basis = "25% of 793.0 requests/s (the window's rate), capped at 50"
    res = run.artifacts.resilience.model_copy(update={"rate_basis": basis})
    run = run.model_copy(update={"artifacts": run.artifacts.model_copy(update={"resilience": res})})
    text = render(score_run(run, load_rubric()), fmt)
    assert "Steady traffic: 25% of 793.0 requests/s" in re.sub(r"\s+", " ", text), text[-2000:]
    assert "Steady traffic" not in render(RESULT, fmt)  # a run saved before the basis was kept says nothing
