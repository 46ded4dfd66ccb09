"""`perfscore load` as a user types it: its JSON keys and its errors for targets that are no HTTP server.
Nothing here is timed (the timing tier is tests/load/test_engine_accuracy.py): these run beside the others."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import assert_clean_error, perfscore

pytestmark = [pytest.mark.server]


def test_cli_json_keys(server: Callable[[str, str], int]) -> None:
    port = server("delay", "2")
    res = perfscore("load", f"http://127.0.0.1:{port}/", "-c", "4", "-d", "1", "--warmup", "0", "--format", "json")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert {"requests", "errors", "rps", "latency_ms", "status_counts"} <= set(doc)
    assert {"mean", "p50", "p95", "p99", "max"} <= set(doc["latency_ms"])
    assert doc["requests"] > 0 and doc["status_counts"]["200"] > 0


def test_cli_bad_targets(server: Callable[[str, str], int]) -> None:
    port = server("garbage", "")
    assert_clean_error(perfscore("load", f"http://127.0.0.1:{port}/", "-d", "1"), 3, "does not speak HTTP")
    silent = server("silent", "")
    assert_clean_error(perfscore("load", f"http://127.0.0.1:{silent}/", "-d", "1"), 3, "sent nothing")
    from tests.load.fixtures import free_port

    assert_clean_error(perfscore("load", f"http://127.0.0.1:{free_port()}/", "-d", "1"), 3, "cannot connect")
    assert_clean_error(perfscore("load", "http://192.0.2.10/", "-d", "1"), 2, "not a loopback")
    assert_clean_error(perfscore("load", "ftp://127.0.0.1/"), 2, "not ftp://")
    assert_clean_error(perfscore("load", f"http://127.0.0.1:{port}/", "-c", "999999"), 2, "out of range")
    assert_clean_error(perfscore("load", f"http://127.0.0.1:{port}/", "--rate", "0"), 2, "out of range")


def test_a_user_agent_header_replaces_perfscores_own() -> None:
    from perfscore.load.worker import build_request
    from perfscore.loadmodel import Endpoint, LoadSpec

    spec = LoadSpec(host="127.0.0.1", port=8, host_header="h", endpoints=[Endpoint(path="/")], connections=1)
    plain = build_request(spec, Endpoint(path="/"))
    assert plain.count(b"User-Agent:") == 1 and b"User-Agent: perfscore-load" in plain
    mine = build_request(spec, Endpoint(path="/", headers={"user-agent": "Mozilla/5.0"}))
    assert mine.lower().count(b"user-agent:") == 1 and b"Mozilla/5.0" in mine  # one header, the user's (as wrk, hey)
