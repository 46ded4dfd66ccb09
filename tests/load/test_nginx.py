"""The load engine against the reference stack's nginx."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfscore.load.engine import run_load
from perfscore.loadmodel import Endpoint, LoadSpec
from tests.stack.fixtures import AUDIT_CONFIG, PORTS

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def test_holds_5000_connections(stack: Path) -> None:
    spec = LoadSpec(
        host="127.0.0.1",
        port=PORTS["http"],
        host_header=f"127.0.0.1:{PORTS['http']}",
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


def test_sessions_carry_across_requests(stack: Path) -> None:
    # Each virtual user logs in once (POST with a body) and its cookie jar carries the
    # PHP session (stored in Redis) to the following requests.
    login = Endpoint(
        name="login",
        path="/login",
        method="POST",
        weight=1,
        headers={"Content-Type": "application/json"},
        body='{"username": "officer3", "password": "loanflow-demo"}',
    )
    me = Endpoint(name="me", path="/api/me", weight=20)
    spec = LoadSpec(
        host="127.0.0.1",
        port=PORTS["http"],
        host_header=f"127.0.0.1:{PORTS['http']}",
        endpoints=[login, me],
        connections=4,
        duration_s=2,
        warmup_s=0.5,
    )
    r = run_load(spec)
    me_codes = r.endpoints["me"].status_counts
    assert r.endpoints["login"].status_counts.get("200", 0) > 0
    assert me_codes.get("200", 0) > 0.9 * sum(me_codes.values()), me_codes


def test_config_endpoint_mix_from_the_cli(stack: Path) -> None:
    import json

    from tests.conftest import perfscore

    res = perfscore("load", "--config", str(AUDIT_CONFIG), "-c", "4", "-d", "1", "--warmup", "0", "-f", "json")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert set(doc["endpoints"]) >= {"dashboard", "loan", "search", "apply"}
    assert doc["endpoints"]["apply"]["status_counts"].get("201", 0) > 0
