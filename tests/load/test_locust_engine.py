"""--engine locust against a server with a known 50 ms delay (issue 16): both engines' p50/p99 side by side.

Locust buckets response times (whole ms below 100 ms, two significant digits above) and times failures
with successes; the built-in engine keeps HDR histograms at 3 significant digits. Stated tolerance: both
p50 within 50-60 ms; both p99 between the delay and 250 ms, the built-in engine's under 80 ms. Locust's gevent
workers add tail latency on a busy 2-core machine: its p99 was 54 ms here alone, 66 ms and 110 ms in CI runs
beside other work, while the built-in engine's stayed at 55 ms.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import assert_clean_error, perfscore

pytestmark = pytest.mark.server


@pytest.mark.timing
@pytest.mark.integration  # Locust's master and worker processes beside perfscore: make test-integrations
def test_both_engines_see_the_same_50ms(server: Callable[[str, str], int]) -> None:
    port = server("delay", "50")
    url = f"http://127.0.0.1:{port}/"
    got = {}
    for engine in ("builtin", "locust"):
        res = perfscore("load", url, "-c", "4", "-d", "3s", "--engine", engine, "--locust-workers", "1", "-f", "json")
        assert res.code == 0, res.err
        got[engine] = json.loads(res.out)["latency_ms"]
    side_by_side = {e: (lat["p50"], lat["p99"]) for e, lat in got.items()}
    print(f"p50/p99 ms at a 50 ms server: {side_by_side}")
    for p50, p99 in side_by_side.values():
        assert 50 <= p50 <= 60, side_by_side
        assert 50 <= p99 <= 250, side_by_side  # never under the server's delay; ms, not s or µs
    # The built-in engine's tail stays near the delay; Locust's is its gevent scheduling on a busy machine.
    assert side_by_side["builtin"][1] <= 80, side_by_side


def test_locust_engine_refuses_what_it_cannot_do(server: Callable[[str, str], int]) -> None:
    url = f"http://127.0.0.1:{server('delay', '0')}/"
    assert_clean_error(perfscore("load", url, "--engine", "locust", "-n", "100"), 2, "-n is not supported")
    assert_clean_error(perfscore("load", url, "--engine", "gatling"), 2, "unknown engine")
    assert_clean_error(perfscore("load", url, "--engine", "locust", "--locust-workers", "0"), 2, "at least one worker")
