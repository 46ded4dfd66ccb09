"""Reading JMeter, k6 and Locust results (issue 16): figures that match the samples, exit 2 with a line number
for malformed, truncated and empty files.

JMeter CSV/XML are generated here (the layout Debian's JMeter 2.13 writes with print_field_names on,
checked against a real run in test_real_tools.py); the k6 files in fixtures/ were written by hand to
k6's documented formats (results-output/real-time/json and --summary-export; k6 is not installable
here); Locust's CSVs come from a real Locust run in test_real_tools.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from perfscore.errors import PerfscoreError
from perfscore.imports import guess_tool, read_results
from tests.conftest import assert_clean_error, perfscore

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,bytes,grpThreads,allThreads,"
    "URL,Latency"
)
LOCUST_HEADER = "Type,Name,Request Count,Failure Count,Average Response Time,Requests/s\n"


def samples() -> list[tuple[int, int, str, str, bool, int]]:
    """(start ms, elapsed ms, label, code, success, users): 2 users for 4 s, then 8 for 4 s; 1 in 25 fails."""
    out = []
    t = 1_764_280_000_000
    for users, n in ((2, 400), (8, 400)):
        for i in range(n):
            t += 10
            ok = i % 25 != 0
            out.append(
                (t, (5 if users == 2 else 50) + i % 5, "loan" if i % 2 else "home", "200" if ok else "500", ok, users)
            )
    return out


def write_csv(path: Path, rows: list[tuple[int, int, str, str, bool, int]]) -> Path:
    with path.open("w") as f:
        f.write(HEADER + "\n")
        for t, el, lb, rc, ok, users in rows:
            f.write(
                f"{t},{el},{lb},{rc},OK,g 1-1,text,{str(ok).lower()},1000,{users},{users},http://127.0.0.1:8088/x,{el}\n"
            )
    return path


def write_xml(path: Path, rows: list[tuple[int, int, str, str, bool, int]]) -> Path:
    with path.open("w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testResults version="1.2">\n')
        for t, el, lb, rc, ok, users in rows:
            f.write(
                f'<httpSample t="{el}" lt="{el}" ts="{t}" s="{str(ok).lower()}" lb="{lb}" rc="{rc}" rm="OK" '
                f'tn="g 1-1" dt="text" by="1000" ng="{users}" na="{users}"/>\n'
            )
        f.write("</testResults>\n")
    return path


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_jmeter_figures_match_the_samples(tmp_path: Path, fmt: str) -> None:
    rows = samples()
    path = (write_csv if fmt == "csv" else write_xml)(tmp_path / f"r.{fmt}.jtl", rows)
    imp = read_results("jmeter", [path])
    load = imp.load
    assert load.requests == 800 and load.errors == 32 and load.error_rate == pytest.approx(0.04)
    assert load.status_counts == {"200": 768, "500": 32}
    assert load.endpoints["loan"].requests + load.endpoints["home"].requests == 800
    assert load.bytes_read == 800_000 and load.connections == 8 and load.generator is None
    assert load.duration_s == pytest.approx((rows[-1][0] + rows[-1][1] - rows[0][0]) / 1000)
    ok = sorted(el for _, el, _, _, s, _ in rows if s)
    assert load.latency_ms is not None
    assert load.latency_ms.p50 == pytest.approx(ok[(len(ok) + 1) // 2 - 1], abs=0.1)  # HDR: half are <= it
    assert load.latency_ms.max == pytest.approx(max(ok), abs=0.1)
    assert [s.concurrency for s in imp.steps] == [2, 8]
    assert imp.steps[0].p95_ms is not None and imp.steps[0].p95_ms < 10 < 50 <= (imp.steps[1].p95_ms or 0)
    assert imp.steps[0].error_rate == pytest.approx(16 / 400)
    assert load.source is not None and fmt.upper() in load.source
    if fmt == "csv":
        assert load.target == "http://127.0.0.1:8088"


def test_k6_stream_and_summary() -> None:
    imp = read_results("k6", [FIXTURES / "k6-stream.ndjson"])
    load = imp.load
    assert load.requests == 320 and load.errors == 16 and load.status_counts == {"200": 304, "500": 16}
    assert load.target == "http://127.0.0.1:8088" and list(load.endpoints) == [
        "GET http://127.0.0.1:8088/api/loans/4242"
    ]
    assert [s.concurrency for s in imp.steps] == [2, 8]
    assert load.latency_ms is not None and 40 <= load.latency_ms.p95 <= 49.1
    summary = read_results("k6", [FIXTURES / "k6-summary.json"]).load
    assert summary.requests == 320 and summary.errors == 16  # passes of http_req_failed are failures
    assert summary.latency_ms is not None and summary.latency_ms.p95 == 49.0 and summary.latency_ms.p99 is None
    assert summary.rps == pytest.approx(40.0, abs=0.1) and summary.connections == 8


def metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def test_import_command_scores_and_saves_a_run(tmp_path: Path) -> None:
    jtl = write_csv(tmp_path / "r.jtl", samples())
    res = perfscore("import", "jmeter", str(jtl), "-f", "json", "--save-run", str(tmp_path / "run.json"))
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert metric(doc, "http.error_rate")["value"] == pytest.approx(0.04)
    assert metric(doc, "load.max_concurrency")["status"] == "measured"  # the two levels are ramp steps
    assert "800 requests from JMeter CSV JTL r.jtl" in res.err
    again = perfscore("score", str(tmp_path / "run.json"), "-f", "json")
    assert json.loads(again.out)["score"] == doc["score"]  # the saved run re-scores to the same figure
    summary = perfscore("import", "k6", str(FIXTURES / "k6-summary.json"), "-f", "json")
    p99 = metric(json.loads(summary.out), "http.p99_latency")
    assert p99["status"] == "unavailable" and "p(99)" in p99["reason"]


def truncated_csv(p: Path) -> None:
    write_csv(p, samples()[:10])
    p.write_text(p.read_text() + "1764280009999,12,loan,200")


BAD: list[tuple[str, str, Any, str]] = [
    ("jmeter", "empty.jtl", lambda p: p.write_text(""), "is empty"),
    (
        "jmeter",
        "noheader.jtl",
        lambda p: p.write_text("1764280000000,12,loan,200,OK,t,text,true,1,1,1,12\n"),
        ":1: no JTL header",
    ),
    ("jmeter", "trunc.jtl", truncated_csv, ":12: truncated"),
    (
        "jmeter",
        "badnum.jtl",
        lambda p: p.write_text(HEADER + "\n" + "1764280000000,abc,x,200,OK,t,text,true,1,1,1,u,1\n"),
        ":2: elapsed 'abc'",
    ),
    (
        "jmeter",
        "date.jtl",
        lambda p: p.write_text(HEADER + "\n" + "2026/11/27 10:00:00,1,x,200,OK,t,text,true,1,1,1,u,1\n"),
        "timestamp_format=ms",
    ),
    (
        "jmeter",
        "bool.jtl",
        lambda p: p.write_text(HEADER + "\n" + "1764280000000,1,x,200,OK,t,text,maybe,1,1,1,u,1\n"),
        ":2: success",
    ),
    (
        "jmeter",
        "trunc.xml.jtl",
        lambda p: p.write_text(
            '<testResults version="1.2">\n<httpSample t="1" ts="1764280000000" s="true" lb="a"/>\n<httpSa'
        ),
        ":3: malformed or truncated XML",
    ),
    (
        "jmeter",
        "bomb.jtl",
        lambda p: p.write_text('<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY a "aaaa">]>\n<testResults/>'),
        ":2: declares a DTD",
    ),
    ("jmeter", "other.xml", lambda p: p.write_text("<html><body/></html>"), "not a JMeter <testResults>"),
    ("jmeter", "nul.jtl", lambda p: p.write_bytes(HEADER.encode() + b"\n\x00\x01\n"), ":2: binary"),
    ("jmeter", "nosamples.jtl", lambda p: p.write_text(HEADER + "\n"), "holds no samples"),
    (
        "k6",
        "trunc.ndjson",
        lambda p: p.write_text((FIXTURES / "k6-stream.ndjson").read_text()[:5000]),
        "not a JSON line",
    ),
    (
        "k6",
        "neg.ndjson",
        lambda p: p.write_text(
            '{"type":"Point","metric":"http_req_duration","data":{"time":"2026-11-27T10:00:00Z","value":-1,"tags":{}}}\n'
        ),
        ":1: http_req_duration value",
    ),
    ("k6", "notk6.json", lambda p: p.write_text('{"metrics": {}}'), "not a k6 summary"),
    (
        "k6",
        "badtime.ndjson",
        lambda p: p.write_text(
            '{"type":"Point","metric":"http_req_duration","data":{"time":"yesterday","value":1,"tags":{}}}\n'
        ),
        ":1: time 'yesterday'",
    ),
    ("locust", "x", lambda p: None, "no Locust x_stats.csv"),
    (
        "locust",
        "y",
        lambda p: p.with_name("y_stats.csv").write_text(LOCUST_HEADER + "GET,/a,10,1,5,2\n"),
        "no Aggregated row",
    ),
    (
        "locust",
        "z",
        lambda p: p.with_name("z_stats.csv").write_text(LOCUST_HEADER + "GET,/a,10,11,5,2\n,Aggregated,10,0,5,2\n"),
        "z_stats.csv:2: 11 failures of 10",
    ),
]


@pytest.mark.parametrize(("tool", "name", "make", "needle"), BAD, ids=[b[1] for b in BAD])
def test_malformed_results_are_exit_2_with_the_line(
    tmp_path: Path, tool: str, name: str, make: Any, needle: str
) -> None:
    path = tmp_path / name
    make(path)
    with pytest.raises(PerfscoreError) as err:
        read_results(tool, [path])
    assert needle.lower() in err.value.message.lower(), err.value.message
    assert err.value.exit_code == 2


def test_cli_errors_for_results(tmp_path: Path) -> None:
    assert_clean_error(perfscore("import", "gatling", str(tmp_path)), 2, "unknown load tool 'gatling'")
    assert_clean_error(perfscore("import", "jmeter", str(tmp_path / "none.jtl")), 2, "does not exist")
    assert_clean_error(perfscore("import", "jmeter", "/dev/zero"), 2, "not a regular file")
    assert_clean_error(
        perfscore("audit", "--url", "http://127.0.0.1:9", "--load-results", str(tmp_path / "n.jtl")),
        2,
        "does not exist",
    )
    assert_clean_error(
        perfscore("audit", "--url", "http://127.0.0.1:9", "--load-command", "true"), 2, "need --load-results"
    )
    assert guess_tool(Path("a.jtl")) == "jmeter" and guess_tool(Path("s.json")) == "k6"
