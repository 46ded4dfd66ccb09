from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from tests.hostile.tally import TALLY_FILE, Counter, record

REPO = Path(__file__).resolve().parent.parent
# Every audit appends to the user's history by default: the tests' audits go to a history of their own.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="perfscore-tests-data-")
SEED = REPO / "examples" / "seed-scenario"
# For audits whose test is not about scalability: `--config NO_RAMP` beside the target flags skips the
# ramp (10-20 s of an audit), as a user's `scalability: false` does.
NO_RAMP = Path(tempfile.mkdtemp(prefix="perfscore-tests-")) / "no-ramp.yaml"
NO_RAMP.write_text("audit: {load: {scalability: false}}\n")


@dataclass
class Cli:
    code: int
    out: str
    err: str


def perfscore(*args: str, timeout: float = 120, env: dict[str, str] | None = None, cwd: Path | None = None) -> Cli:
    """Run the command line as a user would, in this process (``perfscore.cli.app.run``): the same
    parsing, exit codes and output, without the ~0.3 s of a new interpreter. ``timeout`` only bounds
    the real-process form (PERFSCORE_TESTS_SUBPROCESS=1, or ``perfscore_process`` for e2e tests)."""
    if os.environ.get("PERFSCORE_TESTS_SUBPROCESS"):
        return perfscore_process(*args, timeout=timeout, env=env, cwd=cwd)
    from perfscore.cli.app import run

    # Real files, not StringIO: a command a test runs (an external load command) inherits the descriptor.
    with _capture() as out, _capture() as err:
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        try:
            os.environ.pop(
                "COLUMNS", None
            )  # pytest-xdist's workers inherit the terminal's width; a user's pipe has none
            os.environ.update(env or {})
            if cwd is not None:
                os.chdir(cwd)
            code = run(list(args), stdout=out, stderr=err)
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
            os.chdir(saved_cwd)
        return Cli(code, _read(out), _read(err))


def _capture() -> IO[str]:
    return tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")


def _read(f: IO[str]) -> str:
    f.flush()
    f.seek(0)
    return f.read()


def perfscore_process(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Cli:
    """Run the real command line in a subprocess: for what only a process shows (signals, closed
    descriptors, a terminal, the installed entry point). Tests that use it are marked ``e2e``."""
    proc = subprocess.run(
        [sys.executable, "-m", "perfscore", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
    return Cli(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return perfscore


def assert_clean_error(res: Cli, code: int, *needles: str) -> None:
    assert res.code == code, (res.code, res.out, res.err)
    assert "Traceback" not in res.err and "Traceback" not in res.out, res.err
    for n in needles:
        assert n.lower() in (res.err + res.out).lower(), (n, res.err)


pytest_plugins = ["tests.stack.fixtures", "tests.load.fixtures"]

# Tests that need a server say so: `-m "not stack and not server"` runs everything that needs none.
NEEDS = {
    "stack": {"stack", "knob", "mysql", "app_mysql", "redis_client", "healthy_audit"},  # the reference LoanFlow stack
    "server": {"server", "own_redis", "wordpress_site", "wp_mariadb"},  # servers the test starts itself
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = []
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in NEEDS.items():
            if used & fixtures and item.get_closest_marker(marker) is None:
                unmarked.append(f"{item.nodeid} uses {sorted(used & fixtures)} but is not marked {marker}")
    if unmarked:
        raise pytest.UsageError("tests that need a server must be marked:\n" + "\n".join(unmarked))
    # The scaled topology's tests run in their own session (make test-scaled), against that topology only.
    scaled = os.environ.get("PERFSCORE_TOPOLOGY") == "scaled"
    skip = pytest.mark.skip(reason="the scaled topology's tests run with make test-scaled")
    for item in items:
        if (item.get_closest_marker("scaled") is not None) != scaled:
            item.add_marker(skip if not scaled else pytest.mark.skip(reason="make test-scaled runs only scaled tests"))


# Each tier states its wall-clock budget (the Makefile sets PERFSCORE_TIER and PERFSCORE_TIER_BUDGET_S):
# the suite prints the time it took against it, so a slow change is seen in the run that made it slow.
_STARTED = time.monotonic()


# The standing adversarial count (tests/hostile/tally.py): fed here, in the process that prints the summary
# (pytest-xdist's controller never collects, so a hook in tests/hostile/conftest.py would never run there).
_HOSTILE = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _HOSTILE.add(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if hasattr(terminalreporter.config, "workerinput"):
        return
    tier = os.environ.get("PERFSCORE_TIER")
    hostile = _HOSTILE.tally()
    if hostile.tried or hostile.skipped:
        terminalreporter.write_line(hostile.line())
        if tier:  # make test adds up its tiers' figures at its end
            record(TALLY_FILE, tier, hostile)
    if not tier:
        return
    took = time.monotonic() - _STARTED
    budget = float(os.environ.get("PERFSCORE_TIER_BUDGET_S") or "inf")
    verdict = "within" if took <= budget else "OVER"
    terminalreporter.write_line(f"tier {tier}: {took:.1f} s wall, {verdict} its budget of {budget:.0f} s")
