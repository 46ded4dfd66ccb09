"""Field data from a real nginx's own access log (issue 28): `perfscore load` sends known traffic to the
Bookshelf app's server block, whose log_format carries $request_time; `perfscore field` over that log finds
the same requests and statuses, and a p95 within the client's (nginx times a request from its first byte
read to its last byte sent, the client from connect to last byte: never more)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import perfscore
from tests.stack.fixtures import PORTS, STATE

pytestmark = [pytest.mark.stack]

# stack/conf/nginx.conf's log_format for Bookshelf, as the server holds it.
BOOKSHELF_FORMAT = (
    '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time "$http_user_agent" $bs_signed_in'
)
UA = "Mozilla/5.0 (X11; Linux x86_64; field-test) Firefox/133.0"


def test_a_field_reading_of_nginx_s_log_agrees_with_the_load_that_made_it(stack: Path, tmp_path: Path) -> None:
    log = STATE / "logs" / "bookshelf-access.log"
    before = log.stat().st_size if log.exists() else 0
    url = f"http://127.0.0.1:{PORTS['bookshelf_http']}/about"
    res = perfscore("load", url, "-c", "4", "-n", "400", "--warmup", "0", "-H", f"User-Agent: {UA}", "-f", "json")
    assert res.code == 0, res.err
    sent = json.loads(res.out)
    # Only this test's lines: what the log gained since (nginx writes a line as each request ends).
    mine = tmp_path / "access.log"
    with log.open("rb") as fh:
        fh.seek(before)
        mine.write_bytes(fh.read())
    doc = json.loads(perfscore("field", str(mine), "--log-format", BOOKSHELF_FORMAT, "-f", "json").out)
    assert doc["malformed"] == 0, doc
    # Every request the load counted, and at most the 4 in flight when its budget ran out (served, not counted);
    # the load's one look at the site's root before it starts (user agent perfscore-load) is counted apart.
    route = next(r for r in doc["routes"] if r["route"] == "/about")
    assert sent["requests"] >= 400 and sent["requests"] <= route["requests"] <= sent["requests"] + 4, (doc, sent)
    assert doc["requests"] == route["requests"] and doc["own"] <= 1, doc  # -H User-Agent replaced perfscore's
    assert route["errors_5xx"] == sent["status_counts"].get("500", 0)
    assert 0 <= doc["latency_ms"]["p95"] <= sent["latency_ms"]["p95"] + 1.0, (doc["latency_ms"], sent["latency_ms"])
    assert doc["peak_rps"] >= min(sent["requests"], sent["rps"]) * 0.5  # the busiest second: at least half the rate
