"""The standing adversarial count (issue #29): how many of tests/hostile's cases were tried and how many held.

tests/conftest.py feeds it every test report (the controller's, under pytest-xdist: a conftest in
tests/hostile is never loaded there), prints the tier's line at its end and appends the tier's figures to
``TALLY_FILE``; ``make test`` empties that file first and prints the total over its tiers last
(``python -m tests.hostile.tally``).

Each parametrized case is a case. Held: it passed (an unexpected pass of an xfail too). A failure or an
error in any phase is a case that broke; an xfail is a known break (tried, not held); a skipped case was
not tried, and is named.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = "tests/hostile/"
TALLY_FILE = Path(__file__).resolve().parent.parent.parent / ".pytest-hostile.jsonl"


@dataclass
class Tally:
    tried: int = 0
    held: int = 0
    xfailed: int = 0
    skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = f"hostile: {self.tried} cases tried / {self.held} held"
        if self.xfailed:
            text += f"; {self.xfailed} expected to fail"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped: {', '.join(sorted(self.skipped))}"
        return text


class Counter:
    """Each case's outcome from its reports (setup, call, teardown), whichever process ran it."""

    def __init__(self) -> None:
        self._outcome: dict[str, str] = {}

    def add(self, report: Any) -> None:
        nodeid = str(getattr(report, "nodeid", ""))
        if not nodeid.startswith(HERE):
            return
        outcome, when = report.outcome, report.when
        if outcome == "failed":
            now = "failed"
        elif outcome == "skipped":
            now = "xfailed" if hasattr(report, "wasxfail") else "skipped"
        elif when == "call":
            now = "held"
        else:
            return  # a setup or teardown that passed says nothing of the case
        before = self._outcome.get(nodeid)
        if before != "failed":  # a case that broke in one phase stays broken
            self._outcome[nodeid] = now

    def tally(self) -> Tally:
        t = Tally()
        for nodeid, outcome in self._outcome.items():
            if outcome == "skipped":
                t.skipped.append(nodeid[len(HERE) :])
                continue
            t.tried += 1
            t.held += outcome == "held"
            t.xfailed += outcome == "xfailed"
        return t


def record(path: Path, tier: str, tally: Tally) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"tier": tier, **asdict(tally)}) + "\n")


def total(path: Path) -> str:
    """The line over every tier recorded in ``path`` (each tier's last record, should one have run twice)."""
    tiers: dict[str, Tally] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    for raw in lines:
        try:
            doc = json.loads(raw)
            tier = str(doc.pop("tier"))
            tiers[tier] = Tally(**doc)
        except (ValueError, TypeError, KeyError):
            continue  # a line cut short by an interrupted run
    if not tiers:
        return "hostile: no tier ran a case of tests/hostile"
    t = Tally()
    for one in tiers.values():
        t.tried, t.held, t.xfailed = t.tried + one.tried, t.held + one.held, t.xfailed + one.xfailed
        t.skipped += one.skipped
    names = sorted(tiers)
    over = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
    head, _, rest = t.line().partition(" held")
    return f"{head} held over the {over} tier{'s' if len(names) > 1 else ''}{rest}"


def main(argv: list[str]) -> int:
    print(total(Path(argv[1]) if len(argv) > 1 else TALLY_FILE))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
