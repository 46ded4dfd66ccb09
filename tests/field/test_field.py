"""Field data from access logs (issue 28): a generated log whose truth is known by construction."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from perfscore.field.read import entries
from perfscore.field.summary import MAX_ROUTES, summarise
from perfscore.logformat import FormatError, compile_format, line_parser, parse_time
from tests.conftest import assert_clean_error, perfscore

T0 = datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC).timestamp()
TIMED = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time'  # noqa: E501
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


def stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def truth_requests() -> list[tuple[float, str, str, int, float]]:
    """(ts, method, path, status, request_time_s): 10,000 user requests over about 10 minutes.

    request_time is (i % 1000 + 1) ms, so each 1,000 holds 1 … 1,000 ms once: p95 is 950 ms, p50 500 ms;
    every 50th request is a 500 (2 %); second 300 holds 60 requests, every other second 16 or 17: the peak
    second is 60, exactly."""
    out = []
    i = sec = 0
    while i < 10_000:
        n = 60 if sec == 300 else (16 if sec % 3 else 17)
        for k in range(min(n, 10_000 - i)):
            path = f"/loan/{i % 97}" if i % 2 else f"/api/search?q=x{i}&page={k}"
            status = 500 if i % 50 == 0 else 200
            out.append((T0 + sec + k / 100, "GET", path, status, (i % 1000 + 1) / 1000))
            i += 1
        sec += 1
    return out


def combined_line(ts: float, method: str, path: str, status: int, rt: float, ua: str = BROWSER) -> str:
    request = f'"{method} {path} HTTP/1.1"'
    return f'10.0.0.{int(ts) % 250} - - [{stamp(ts)}] {request} {status} 512 "-" "{ua}" {rt:.3f} {rt:.3f}'


def json_line(ts: float, method: str, path: str, status: int, rt: float, ua: str = BROWSER) -> str:
    return json.dumps(
        {
            "time_iso8601": datetime.fromtimestamp(ts, UTC).isoformat(),
            "request_method": method,
            "request_uri": path,
            "status": str(status),
            "request_time": f"{rt:.3f}",
            "http_user_agent": ua,
        }
    )


EXTRAS = [  # not users: apart from every figure
    (T0 + 5, "GET", "/health", 200, 0.001, "kube-probe/1.29"),
    (T0 + 6, "GET", "/", 200, 0.002, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (T0 + 7, "GET", "/loan/1", 200, 9.0, "perfscore/0.4 (+load)"),
]
HOSTILE = [
    "garbage that is no request",
    '10.0.0.1 - - [01/Dec/2026:10:00:09 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01" 400 150 "-" "-" 0.000 -',
    "\x1b[2J\x1b]0;owned\x07 not a line",
    "x" * 100_000,
]


def write_log(path: Path, lines: list[str], gz: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def summary_of(paths: list[Path], fmt: str | None = TIMED):  # type: ignore[no-untyped-def]
    bad: list[str] = []
    return summarise(entries(paths, line_parser(fmt), bad), malformed_lines=bad)


def check_truth(s) -> None:  # type: ignore[no-untyped-def]
    assert s.requests == 10_000
    assert s.errors_5xx == 200 and s.error_rate == pytest.approx(0.02)
    assert s.latency_ms.p95 == pytest.approx(950, rel=0.002) and s.latency_ms.p50 == pytest.approx(500, rel=0.002)
    assert s.peak_rps == 60 and s.peak_rps_at == T0 + 300
    assert (s.health_checks, s.bots, s.own) == (1, 1, 1)
    routes = {r.route: r for r in s.routes}
    assert set(routes) == {"/loan/{id}", "/api/search?page={page}&q={q}"}, set(routes)
    assert routes["/loan/{id}"].requests == 5000 and routes["/loan/{id}"].errors_5xx == 0  # every 500 is even
    assert routes["/api/search?page={page}&q={q}"].errors_5xx == 200


def test_a_combined_log_with_timings_gives_the_known_figures(tmp_path: Path) -> None:
    lines = [combined_line(*r) for r in truth_requests()] + [combined_line(*e) for e in EXTRAS] + HOSTILE
    s = summary_of([write_log(tmp_path / "access.log", lines)])
    check_truth(s)
    assert s.malformed == len(HOSTILE) and s.lines == 10_000 + len(EXTRAS) + len(HOSTILE)
    # Little's law in the busiest minute: its rate times its mean request time.
    minute = [r for r in truth_requests() if T0 + 300 <= r[0] < T0 + 360]
    expected = len(minute) / 60 * (sum(r[4] for r in minute) / len(minute))
    assert s.peak_minute == len(minute) and s.concurrency == pytest.approx(expected, rel=0.01)


def test_rotated_gzip_and_plain_files_read_in_time_order_and_json_lines_agree(tmp_path: Path) -> None:
    reqs = truth_requests()
    old = write_log(tmp_path / "access.log.1.gz", [combined_line(*r) for r in reqs[:6000]], gz=True)
    new = write_log(
        tmp_path / "access.log", [combined_line(*r) for r in reqs[6000:]] + [combined_line(*e) for e in EXTRAS]
    )
    os.utime(old, (T0, T0))  # rotated first: older
    check_truth(summary_of([new, old]))  # given newest first: read oldest first all the same
    js = write_log(tmp_path / "access.json", [json_line(*r) for r in reqs] + [json_line(*e) for e in EXTRAS])
    check_truth(summary_of([js], fmt=None))  # JSON lines need no format


def test_since_keeps_only_the_recent_requests(tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.log", [combined_line(*r) for r in truth_requests()])
    bad: list[str] = []
    s = summarise(entries([log], line_parser(TIMED), bad), since=T0 + 300)
    assert s.requests == sum(1 for r in truth_requests() if r[0] >= T0 + 300)
    assert s.first_ts is not None and s.first_ts >= T0 + 300


def test_routes_are_capped_and_the_rest_counted(tmp_path: Path) -> None:
    lines = [combined_line(T0 + i, "GET", f"/page-{i}", 200, 0.01) for i in range(MAX_ROUTES + 50)]
    s = summary_of([write_log(tmp_path / "a.log", lines)])
    assert len(s.routes) == MAX_ROUTES and s.other_routes == 50 and s.requests == MAX_ROUTES + 50


def test_log_formats_compile_as_nginx_writes_them() -> None:
    p = line_parser(
        '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time "$http_user_agent" $x'
    )
    e = p('127.0.0.1 [06/Dec/2026:18:17:22 +0000] "GET /a/12?x=1 HTTP/1.1" 503 288 0.250 "curl/8" -')
    assert e is not None and (e.path, e.status, e.request_time_s) == ("/a/12?x=1", 503, 0.25)
    assert parse_time("06/Dec/2026:18:17:22 +0100") == datetime(2026, 12, 6, 17, 17, 22, tzinfo=UTC).timestamp()
    assert parse_time("1764000000.123") == 1764000000.123
    assert line_parser("combined")('1.2.3.4 - - [06/Dec/2026:18:17:22 +0000] "GET / HTTP/1.1" 200 1 "-" "b"')
    upstream = line_parser("timed")(
        '1.2.3.4 - - [06/Dec/2026:18:17:22 +0000] "GET / HTTP/1.1" 200 1 "-" "b" 0.300 0.100, 0.200'
    )
    assert upstream is not None and upstream.upstream_s == 0.2  # a retried upstream: its last figure
    for bad in ("", "$remote_addr $status", "[$time_local] $status", "x" * 3000):
        with pytest.raises(FormatError):
            compile_format(bad)


def test_the_field_command_prints_the_figures_and_refuses_bad_input(tmp_path: Path) -> None:
    lines = [combined_line(*r) for r in truth_requests()] + [combined_line(*e) for e in EXTRAS] + HOSTILE
    log = write_log(tmp_path / "access.log", lines)
    res = perfscore("field", str(log), "--log-format", TIMED)
    assert res.code == 0, res.err
    assert "10,000 from users" in res.out and "p95 950 ms" in res.out and "60 req in one second" in res.out, res.out
    assert "\x1b" not in res.out and "\x07" not in res.out  # the hostile line is shown inert
    doc = json.loads(perfscore("field", str(log), "--log-format", TIMED, "-f", "json").out)
    assert doc["requests"] == 10_000 and doc["error_rate"] == pytest.approx(0.02) and doc["malformed"] == 4
    assert_clean_error(perfscore("field", str(tmp_path / "nope.log")), 2, "cannot be read")
    assert_clean_error(perfscore("field", str(tmp_path)), 2, "not a regular file")
    assert_clean_error(perfscore("field", str(log), "--log-format", "$status"), 2, "--log-format")
    assert_clean_error(perfscore("field", str(log), "--since", "yesterday"), 2, "not a duration")
    other = write_log(tmp_path / "other.log", ["<134>1 2026-12-01T10:00:00Z host app - - hello"] * 3)
    assert_clean_error(perfscore("field", str(other)), 2, "no line", "--log-format")


def test_init_from_an_access_log_writes_the_users_get_mix_and_their_peak(tmp_path: Path) -> None:
    writes = [combined_line(T0 + 9, "POST", "/loan/5/pay", 200, 0.1)] * 30  # more than no route, but a write
    log = write_log(tmp_path / "access.log", [combined_line(*r) for r in truth_requests()] + writes)
    cfg = tmp_path / "perfscore.yaml"
    res = perfscore("init", str(cfg), "--access-log", str(log), "--log-format", TIMED)
    assert res.code == 0, res.err
    import yaml

    doc = yaml.safe_load(cfg.read_text())
    mix = {e["path"]: e["weight"] for e in doc["endpoints"]}
    assert set(mix.values()) == {500} and len(mix) == 2, mix  # the two GET routes, by their share in 1,000
    assert any(p.startswith("/loan/") for p in mix) and not any("pay" in p for p in mix)  # never a write
    busiest = sum(1 for r in truth_requests() if T0 + 300 <= r[0] < T0 + 360)
    assert doc["slo"]["peak_rps"] >= busiest / 60 and doc["slo"]["peak_rps"] < busiest / 60 * 1.1, doc["slo"]
    from perfscore.config import load_config

    assert [e.method for e in load_config(cfg).endpoints] == ["GET", "GET"]  # a valid config, as written


def test_peaks_keep_minutes_of_counts_not_the_whole_log() -> None:
    from perfscore.field.summary import _Peaks

    peaks = _Peaks()
    for sec in range(2 * 86400):  # two days at one request a second (2,880 minutes), and one busy second
        peaks.add(T0 + sec, 1000)
        if sec == 100_000:
            for _ in range(9):
                peaks.add(T0 + sec - 30, 1000)  # late by 30 s: still counted in its second
        assert len(peaks.seconds) <= 200
    best_s, best_m = peaks.done()
    assert best_s == (10, -int(T0 + 99_970))


def test_hostile_lines_parse_in_bounded_time_and_retried_upstreams_are_read() -> None:
    import time

    p = line_parser("$msec|$status|$request_uri|$request_time|$upstream_response_time|$body_bytes_sent;")
    t0 = time.perf_counter()
    assert p("1700000000.1|200|/" + "|" * 5000 + "x") is None
    assert time.perf_counter() - t0 < 0.5  # was 24 s at 100 pipes before each variable stopped at its delimiter
    fmt = '$remote_addr rt=$request_time urt=$upstream_response_time cs=- [$time_local] "$request" $status'
    e = line_parser(fmt)('1.2.3.4 rt=0.3 urt=0.1, 0.2 cs=- [06/Dec/2026:18:17:22 +0000] "GET /x HTTP/1.1" 502')
    assert e is not None and e.status == 502 and e.upstream_s == 0.2  # a retried 502 is not lost as malformed


def test_init_writes_a_loadable_config_whatever_the_users_sent(tmp_path: Path) -> None:
    """A request line can carry a U+2028 (YAML's line break) in a query name, an emoji in its path, and a
    route can have millions of requests: the config init writes still loads, with nothing injected."""
    evil = "/x?a=1&%E2%80%A8injected:+{evil:+1}%E2%80%A8%23=2"
    lines = [combined_line(T0 + i, "GET", evil, 200, 0.01) for i in range(50)]
    lines += [combined_line(T0 + i, "GET", "/caf\u00e9/\U0001f600", 200, 0.01) for i in range(50)]
    log = write_log(tmp_path / "access.log", lines)
    cfg = tmp_path / "perfscore.yaml"
    res = perfscore("init", str(cfg), "--access-log", str(log), "--log-format", TIMED)
    assert res.code == 0, res.err
    from perfscore.config import load_config

    loaded = load_config(cfg)  # valid: no surrogate escapes, no live text from a comment
    import yaml

    assert "injected" not in yaml.safe_load(cfg.read_text())
    assert {e.weight for e in loaded.endpoints} == {500}
    assert any("%F0%9F%98%80" in e.path for e in loaded.endpoints), [e.path for e in loaded.endpoints]


def test_the_database_asked_for_and_not_reached_is_said_and_exit_3_never_its_password(tmp_path: Path) -> None:
    log = write_log(tmp_path / "access.log", [combined_line(*r) for r in truth_requests()[:200]])
    dsn = "mysql://perfscore:s3cr3t-Pw@127.0.0.1:9/shop"  # port 9: nothing listens
    res = perfscore("field", str(log), "--log-format", TIMED, "--mysql", dsn)
    assert res.code == 3, res.err
    assert "200 from users" in res.out and "Database over the same period\n  not read: 127.0.0.1:9" in res.out
    assert "s3cr3t-Pw" not in res.out + res.err
    doc = json.loads(perfscore("field", str(log), "--log-format", TIMED, "--mysql", dsn, "-f", "json").out)
    assert doc["requests"] == 200 and doc["database"]["error"].startswith("127.0.0.1:9"), doc["database"]
    bare = tmp_path / "p.yaml"
    bare.write_text("target: {base_url: 'http://127.0.0.1:8080'}\n")
    assert_clean_error(perfscore("field", str(log), "--config", str(bare)), 2, "no mysql section", "--mysql")
    assert_clean_error(perfscore("field", str(log), "--mysql", "shop"), 2, "--mysql")
