"""The load engine against the reference stack's nginx."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfscore.load.engine import run_load
from perfscore.load.model import Endpoint, LoadSpec

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_holds_5000_connections(stack: Path) -> None:
    spec = LoadSpec(
        host="127.0.0.1",
        port=8088,
        host_header="127.0.0.1:8088",
        endpoints=[Endpoint(path="/static/app.css")],
        connections=5000,
        duration_s=3,
        warmup_s=1,
        workers=2,
    )
    r = run_load(spec)
    assert r.error_rate < 0.01, (r.errors, r.timeouts, r.connect_errors, r.resets)
    assert r.requests > 5000
    assert r.connections == 5000
