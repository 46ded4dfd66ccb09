"""`perfscore load` interrupted prints the summary of what ran (issue 26), as hey, oha and k6 do, then
exits 130 (SIGINT) or 143 (SIGTERM): a Ctrl-C no longer throws the run away."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable

import psutil
import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.e2e]


@pytest.mark.parametrize(
    ("sig", "code", "workers", "fmt"),
    [(signal.SIGINT, 130, 1, "json"), (signal.SIGTERM, 143, 2, "terminal")],
)
def test_an_interrupted_load_run_prints_what_ran(
    server: Callable[[str, str], int], sig: int, code: int, workers: int, fmt: str
) -> None:
    port = server("delay", "5")
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfscore", "load", f"http://127.0.0.1:{port}/", "-d", "60", "-c", "4"]
        + ["--warmup", "0", "--workers", str(workers), "-f", fmt, "--threshold", "p95<1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stderr is not None
    said = []  # off a terminal, the progress is a line every 5 s: the first says responses came
    while True:
        line = proc.stderr.readline()
        said.append(line)
        if not line or " responses, " in line:
            break
    assert " responses, " in said[-1], "".join(said)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(sig)
    out, rest = proc.communicate(timeout=30)
    err = "".join(said) + rest
    assert proc.returncode == code, err
    assert "Traceback" not in err
    name = "SIGINT" if sig == signal.SIGINT else "SIGTERM"
    assert f"interrupted ({name}): the summary above is of what ran" in err
    if fmt == "json":
        doc = json.loads(out)
        assert doc["requests"] > 0 and doc["errors"] == 0, doc
        assert 4.5 < doc["duration_s"] < 60 and doc["latency_ms"]["p50"] >= 4.5, doc  # 5 ms a request
        assert doc["rps"] == pytest.approx(doc["requests"] / doc["duration_s"], rel=0.05)
        assert any(n.startswith("interrupted after ") and "of the 60s asked" in n for n in doc["notes"]), doc
        assert doc["thresholds_passed"] is False  # thresholds are judged on what ran, as k6 does
    else:
        assert "Requests: " in out and "Latency (ms)" in out, out
        assert "note: interrupted after " in out and "Threshold p95<1: " in out, out
    _, alive = psutil.wait_procs(children, timeout=5)
    alive = [c for c in alive if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"generators left running: {[c.pid for c in alive]}"
