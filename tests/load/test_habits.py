"""What people coming from wrk, hey, oha and k6 expect of `perfscore load` (issue 13, "habits")."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import assert_clean_error, perfscore
from tests.load.servers import OK

pytestmark = pytest.mark.server


def test_durations_with_units(server: Callable[[str, str], int]) -> None:
    port = server("delay", "0")
    res = perfscore("load", f"http://127.0.0.1:{port}/", "-d", "1500ms", "--warmup", "0.2s", "-c", "2", "-f", "json")
    assert res.code == 0, res.err
    r = json.loads(res.out)
    assert 1.3 <= r["duration_s"] <= 1.7 and r["warmup_s"] == 0.2
    assert_clean_error(perfscore("load", f"http://127.0.0.1:{port}/", "-d", "5x"), 2, "not a duration")
    assert_clean_error(perfscore("audit", "--url", f"http://127.0.0.1:{port}", "-d", "2 minutes"), 2, "not a duration")


def test_n_sends_exactly_n_measured_requests_and_counts_bytes(server: Callable[[str, str], int]) -> None:
    port = server("delay", "1")
    for workers in ("1", "2"):
        res = perfscore(
            "load", f"http://127.0.0.1:{port}/x?y=1", "-n", "500", "-c", "8", "--workers", workers, "-f", "json"
        )
        assert res.code == 0, res.err
        r = json.loads(res.out)
        assert r["requests"] == 500, (workers, r["requests"])  # no warm-up eats into N (hey's habit)
        assert r["warmup_s"] == 0
        assert 500 * len(OK) <= r["bytes_read"] <= 508 * len(OK)
        assert r["transfer_bytes_per_s"] > 0 and r["url"] == f"http://127.0.0.1:{port}/x?y=1"
    text = perfscore("load", f"http://127.0.0.1:{port}/x?y=1", "-n", "200", "-c", "4").out
    assert text.startswith(f"http://127.0.0.1:{port}/x?y=1 ")  # the full URL, path included
    assert "Transfer: " in text and " read, " in text


def test_latency_distribution_as_wrk2_prints_it(server: Callable[[str, str], int]) -> None:
    port = server("delay", "2")
    text = perfscore("load", f"http://127.0.0.1:{port}/", "-n", "300", "-c", "4", "--latency").out
    assert "Latency distribution" in text and "99.999%" in text and "100.000%" in text
    assert "Detailed percentile spectrum" in text and "1/(1-Percentile)" in text
    rows = [line.split() for line in text.split("Detailed percentile spectrum:")[1].splitlines()[2:] if line.strip()]
    values = [float(r[0]) for r in rows if len(r) >= 4 and r[0][0].isdigit()]
    # In milliseconds (the server waits 2 ms a request): neither seconds nor microseconds, however loaded the machine.
    assert len(values) >= 5 and values == sorted(values) and 1.5 <= values[len(values) // 2] <= 500


def test_thresholds_set_the_exit_code_and_are_listed(server: Callable[[str, str], int]) -> None:
    port = server("delay", "1")
    url = f"http://127.0.0.1:{port}/"
    ok = perfscore("load", url, "-n", "200", "-c", "4", "--threshold", "p95<500", "--threshold", "errors<1%")
    assert ok.code == 0, ok.err
    assert "Threshold p95<500: ✓ pass" in ok.out and "Threshold errors<1%: ✓ pass" in ok.out
    miss = perfscore("load", url, "-n", "200", "-c", "4", "--threshold", "rps>1000000000", "-f", "json")
    r = json.loads(miss.out)
    assert miss.code == 1 and "thresholds missed: rps>1000000000" in miss.err
    assert r["thresholds_passed"] is False and r["thresholds"][0]["passed"] is False
    assert_clean_error(perfscore("load", url, "--threshold", "p77<3"), 2, "expected METRIC OP VALUE")
    assert_clean_error(perfscore("load", url, "--threshold", "p95<3%"), 2, "only errors takes a percentage")


def test_a_run_whose_requests_all_failed_exits_1(server: Callable[[str, str], int]) -> None:
    port = server("fail", "1.0")
    res = perfscore("load", f"http://127.0.0.1:{port}/", "-n", "100", "-c", "2")
    assert res.code == 1 and "every request failed (100 of 100)" in res.err


@pytest.mark.slow
def test_progress_in_ci_is_plain_periodic_lines(server: Callable[[str, str], int]) -> None:
    port = server("delay", "1")
    res = perfscore("load", f"http://127.0.0.1:{port}/", "-d", "6s", "--warmup", "0", "-c", "2")
    lines = [line for line in res.err.splitlines() if "responses," in line]
    assert lines and all(line.startswith("perfscore: ") and "s left)" in line for line in lines)
    assert "\r" not in res.err and "\x1b[K" not in res.err


def test_a_keep_alive_connection_closed_while_idle_is_retried_not_an_error(server: Callable[[str, str], int]) -> None:
    """The server closes connections idle for 100 ms and the users think 100 ms: requests race the close.
    Like curl and Go's client (hey, k6), the engine resends an idempotent request a reused connection lost
    before any byte of its answer; before, 40 % of such requests were counted as server resets."""
    port = server("idleclose", "100")
    res = perfscore("load", f"http://127.0.0.1:{port}/", "-d", "3s", "--think", "100ms", "-c", "16", "-f", "json")
    assert res.code == 0, res.err
    r = json.loads(res.out)
    assert r["requests"] > 200 and r["resets"] == 0 and r["errors"] == 0, r
    post = perfscore(
        "load", f"http://127.0.0.1:{port}/", "-m", "POST", "--body", "x", "-d", "2s", "--think", "100ms", "-c", "16",
        "-f", "json",
    )  # fmt: skip
    assert json.loads(post.out)["resets"] > 0  # a POST is never resent: its losses stay errors


def test_errors_threshold_as_a_bare_number_of_one_or_more_is_refused() -> None:
    from tests.conftest import assert_clean_error as refused

    res = perfscore("load", "http://127.0.0.1:9/", "--threshold", "errors<1")
    refused(res, 2, "errors is a ratio from 0 to 1", "errors<1%")
