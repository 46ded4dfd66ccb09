"""Inputs nobody writes on purpose (issue 12): each gets its exit code and a message, never a traceback,
a hang or a secret echoed back. One table; each row is (name, files to write, arguments, code, needle)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import xml.dom.minidom
from pathlib import Path

import pytest

from tests.conftest import REPO, Cli, perfscore

SECRET = "S3cretPW-xyz"
FIXTURE_RUN = REPO / "tests" / "fixtures" / "run-v2-reference-stack.json"

BOMB = "".join(
    f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 9) if i else ', '.join(['lol'] * 9)}]\n"
    for i in range(9)
)


HUGE_INT = "9" * 5000  # past Python's 4,300 digits for int(str)


def _run_json(**changes: object) -> str:
    data = json.loads(FIXTURE_RUN.read_text())
    data.update(changes)
    return json.dumps(data).replace('"<huge>"', HUGE_INT)


# (name, {file: text}, arguments, expected exit code, a needle of the message)
CASES: list[tuple[str, dict[str, str], list[str], int, str]] = [
    ("yaml alias bomb", {"c.yaml": BOMB}, ["audit", "--config", "c.yaml"], 2, "alias bomb"),
    (
        "yaml nested 10000 deep",
        {"c.yaml": "a: " + "[" * 10000 + "]" * 10000},
        ["audit", "--config", "c.yaml"],
        2,
        "nested too deeply",
    ),
    (
        "yaml nested 100 deep",
        {"c.yaml": "a: " + "[" * 100 + "]" * 100},
        ["audit", "--config", "c.yaml"],
        2,
        "nested more than 64 levels",
    ),
    ("config is /dev/zero", {}, ["audit", "--config", "/dev/zero"], 2, "not a regular file"),
    ("config is a FIFO", {"fifo": "<fifo>"}, ["audit", "--config", "fifo"], 2, "not a regular file"),
    (
        "password_file is /dev/zero",
        {"c.yaml": "target: {base_url: 'http://127.0.0.1:9'}\nmysql: {password_file: /dev/zero}\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "not a regular file",
    ),
    (
        "rubric extends /dev/zero",
        {"r.yaml": "extends: /dev/zero\n"},
        ["rubric", "validate", "r.yaml"],
        2,
        "not a regular file",
    ),
    (
        "password in the yaml",
        {"c.yaml": f"mysql: {{password: {SECRET}}}\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "never goes in the config file",
    ),
    (
        "ramp with 0, negative and huge steps",
        {"c.yaml": "audit: {load: {ramp: [0, -5, 100000]}}\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "audit.load.ramp.0",
    ),
    (
        "rubric curve with NaN",
        {
            "r.yaml": "extends: default\nmetrics:\n  mysql.query_p95_latency:\n    curve: {type: lognormal, p10: .nan, "
            "median: 100}\n"
        },
        ["rubric", "validate", "r.yaml"],
        2,
        "p10",
    ),
    ("run schema_version -1", {"run.json": _run_json(schema_version=-1)}, ["score", "run.json"], 2, "schema_version"),
    ("run schema_version 0", {"run.json": _run_json(schema_version=0)}, ["score", "run.json"], 2, "schema_version"),
    (
        "run schema_version true",
        {"run.json": _run_json(schema_version=True)},
        ["score", "run.json"],
        2,
        "schema_version",
    ),
    (
        "run nested 100000 deep",
        {"run.json": '{"measurements": ' + "[" * 100000 + "]" * 100000 + "}"},
        ["score", "run.json"],
        2,
        "nested too deeply",
    ),
    (
        "result with a NaN score",
        {"r.json": "<nan result>"},
        ["compare", str(FIXTURE_RUN), "r.json", "--max-drop", "0"],
        2,
        "r.json",
    ),
    ("--url ftp with a password", {}, ["audit", "--url", f"ftp://admin:{SECRET}@h/"], 2, "not ftp://"),
    ("--url file", {}, ["audit", "--url", "file:///etc/passwd"], 2, "not file://"),
    ("--url unclosed IPv6", {}, ["audit", "--url", "http://[::1"], 2, "invalid ipv6"),
    ("--url port 99999", {}, ["audit", "--url", "http://127.0.0.1:99999/"], 2, "port out of range"),
    ("--url port 0", {}, ["audit", "--url", "http://127.0.0.1:0/"], 2, "port 0"),
    ("--url with credentials", {}, ["audit", "--url", f"http://bob:{SECRET}@127.0.0.1:9/"], 2, "holds credentials"),
    ("--mysql unclosed IPv6", {}, ["audit", "--mysql", f"mysql://u:{SECRET}@[::1"], 2, "invalid ipv6"),
    ("--redis port 0", {}, ["audit", "--redis", f"redis://:{SECRET}@127.0.0.1:0/0"], 2, "port 0"),
    (
        "--process with a backreference",
        {},
        ["audit", "--url", "http://127.0.0.1:9", "--process", r"(a+)+\1"],
        2,
        "RE2 syntax",
    ),
    (
        "sql with an executable comment",
        {"c.yaml": "mysql: {queries: {q: 'SELECT * FROM loans /*! FOR UPDATE */'}}\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "executable comment",
    ),
    (
        "sql the parser chokes on",
        {"c.yaml": "mysql: {queries: {q: 'SELECT DATE_ADD(1)'}}\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "cannot be parsed",
    ),
    (
        "sql calling a schema's now()",
        {"c.yaml": "mysql: {queries: {q: 'SELECT app.now()'}}\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "qualified by a schema",
    ),
    *[
        (f"an integer of 5,000 digits in {what}", files, args, 2, "more than 4,300 digits")
        for what, files, args in [
            ("a config", {"c.yaml": f"audit: {{duration_s: {HUGE_INT}}}\n"}, ["audit", "--config", "c.yaml"]),
            ("a rubric", {"r.yaml": f"extends: default\nx: {HUGE_INT}\n"}, ["rubric", "validate", "r.yaml"]),
            ("a run", {"run.json": _run_json(schema_version="<huge>")}, ["score", "run.json"]),
            ("a result", {"r.json": _run_json(schema_version="<huge>")}, ["compare", str(FIXTURE_RUN), "r.json"]),
            (
                "a baseline",
                {"b.json": _run_json(schema_version="<huge>")},
                ["score", str(FIXTURE_RUN), "--baseline", "b.json", "--max-drop", "5"],
            ),
            (
                "a k6 summary",
                {"k6.json": f'{{"metrics": {{"http_reqs": {{"count": {HUGE_INT}}}}}}}'},
                ["import", "k6", "k6.json"],
            ),
        ]
    ],
    ("score to a full disk", {}, ["score", str(FIXTURE_RUN), "-o", "/dev/full"], 2, "no space left"),
    ("score's stdout on a full disk", {}, ["score", str(FIXTURE_RUN), "--stdout-to", "/dev/full"], 2, "no space left"),
    ("load, unclosed IPv6", {}, ["load", "http://[::1"], 2, "invalid ipv6"),
    ("load, port 0", {}, ["load", "http://127.0.0.1:0/"], 2, "port 0"),
    (
        "compare --max-drop nan",
        {},
        ["compare", str(FIXTURE_RUN), str(FIXTURE_RUN), "--max-drop", "nan"],
        2,
        "--max-drop",
    ),
    (
        "score --max-drop nan",
        {},
        ["score", str(FIXTURE_RUN), "--baseline", str(FIXTURE_RUN), "--max-drop", "nan"],
        2,
        "--max-drop",
    ),
    (
        "--save-run under a file, refused before the audit",
        {"f": "x"},
        ["audit", "--url", "http://127.0.0.1:9", "--save-run", "f/run.json"],
        2,
        "is not a directory",
    ),
    (
        "an endpoint path without a slash",
        {"c.yaml": "target: {base_url: 'http://127.0.0.1:9'}\nendpoints: [{path: no-slash}]\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "path must start with /",
    ),
    (
        "an endpoint path to another host",
        {"c.yaml": "target: {base_url: 'http://127.0.0.1:9'}\nendpoints: [{path: 'http://evil.example/x'}]\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "path must start with /",
    ),
    (
        "a header value with CRLF",
        {},
        ["load", "http://127.0.0.1:9/", "-H", "X-A: v\r\nX-Smuggled: yes"],
        2,
        "control characters",
    ),
    (
        "a user agent with CRLF",
        {"c.yaml": 'target: {user_agent: "x\\r\\nX-Smuggled: yes"}\n'},
        ["audit", "--config", "c.yaml"],
        2,
        "control characters",
    ),
    (
        "101 endpoints",
        {"c.yaml": "endpoints:\n" + "".join(f"  - {{path: /p{i}}}\n" for i in range(101))},
        ["audit", "--config", "c.yaml"],
        2,
        "at most 100",
    ),
    (
        "an endpoint weight of infinity",
        {"c.yaml": "endpoints: [{path: /, weight: .inf}]\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "endpoints.0.weight",
    ),
    ("a load URL with credentials", {}, ["load", f"http://bob:{SECRET}@127.0.0.1:9/"], 2, "holds credentials"),
    (
        "a base_url with a space",
        {"c.yaml": "target: {base_url: 'http://127.0.0.1:9/my app'}\n"},
        ["audit", "--config", "c.yaml"],
        2,
        "spaces or control characters",
    ),
    (
        "yaml anchors deep through aliases",
        {
            "c.yaml": "".join(
                f"a{i}: &a{i} " + "[" * 60 + (f"*a{i - 1}" if i else "x") + "]" * 60 + "\n" for i in range(20)
            )
        },
        ["audit", "--config", "c.yaml"],
        2,
        "nested more than 64 levels",
    ),
    (
        "a run nested 600 deep",
        {"run.json": '{"measurements": [], "x": ' + "[" * 600 + "]" * 600 + "}"},
        ["score", "run.json"],
        2,
        "nested too deeply",
    ),
    (
        "--max-drop without --baseline, before the audit",
        {},
        ["audit", "--url", "http://127.0.0.1:9", "--max-drop", "2"],
        2,
        "needs --baseline",
    ),
    ("load --output to a full disk", {}, ["load", "http://127.0.0.1:9/", "-o", "/dev/full"], 3, "cannot connect"),
]


@pytest.mark.parametrize(
    ("name", "files", "args", "code", "needle"),
    [pytest.param(*c, id=c[0], marks=[pytest.mark.e2e] if "--stdout-to" in c[2] else []) for c in CASES],
)
def test_hostile_input(
    tmp_path: Path, name: str, files: dict[str, str], args: list[str], code: int, needle: str
) -> None:
    for fname, text in files.items():
        path = tmp_path / fname
        if text == "<fifo>":
            os.mkfifo(path)
        elif text == "<nan result>":
            scored = perfscore("score", str(FIXTURE_RUN), "-f", "json")
            path.write_text(scored.out.replace('"score": ', '"score": NaN, "was": ', 1))
        else:
            path.write_text(text)
    stdout_to = None
    if "--stdout-to" in args:
        i = args.index("--stdout-to")
        stdout_to, args = args[i + 1], args[:i] + args[i + 2 :]
    t0 = time.monotonic()
    if stdout_to:  # a real descriptor on a full disk: only a process has one
        with open(stdout_to, "w") as sink:
            proc = subprocess.run(
                [sys.executable, "-m", "perfscore", *args],
                stdout=sink,
                stderr=subprocess.PIPE,
                text=True,
                cwd=tmp_path,
                timeout=60,
                check=False,
            )
        res = Cli(proc.returncode, "", proc.stderr)
    else:
        res = perfscore(*args, cwd=tmp_path)
    assert time.monotonic() - t0 < 30, f"{name}: took {time.monotonic() - t0:.1f}s"
    err = res.err
    assert res.code == code, f"{name}: exit {res.code}\n{err}"
    assert needle.lower() in " ".join(err.split()).lower(), err
    assert "Traceback" not in err and "input_value" not in err
    assert SECRET not in err and SECRET not in res.out


def test_a_bad_history_row_is_left_out_not_fatal(tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    for _ in range(3):
        perfscore("score", str(FIXTURE_RUN), "--history", str(history))
    with sqlite3.connect(history) as db:
        db.execute("UPDATE audits SET categories = '{not json' WHERE id = 1")
        db.execute("UPDATE audits SET score = 1e999 WHERE id = 2")  # infinity, as another tool might write
    res = perfscore("history", "--history", str(history), "-f", "json")
    assert res.code == 0, res.err
    points = json.loads(res.out)
    assert [p["id"] for p in points] == [3]
    res = perfscore("history", "--history", str(history))
    assert res.code == 0 and "Traceback" not in res.err, res.err


def test_escape_sequences_in_a_rubric_title_leave_junit_valid_and_metrics_labels_clean(tmp_path: Path) -> None:
    rubric = tmp_path / "r.yaml"
    rubric.write_text(
        'extends: default\ncategories:\n  database: {title: "Data\\e]0;pwned\\a\\e[2Jbase\\x07", weight: 25}\n'
    )
    run = tmp_path / "run.json"
    data = json.loads(FIXTURE_RUN.read_text())
    data["target"]["name"] = "Loan\x1b]0;pwned\x07Flow\u202e"
    run.write_text(json.dumps(data))
    for fmt in ("junit", "prometheus"):
        res = perfscore("score", str(run), "--rubric", str(rubric), "-f", fmt)
        assert res.code == 0, res.err
        assert "\x1b" not in res.out and "\x07" not in res.out and "\u202e" not in res.out
        if fmt == "prometheus":
            assert 'target="Loan]0;pwnedFlow"' in res.out  # the label, its control characters gone
        else:
            xml.dom.minidom.parseString(res.out)  # raises on a character XML does not allow
            assert "Data]0;pwned[2Jbase" in res.out
