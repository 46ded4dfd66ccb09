"""Results files and load commands nobody would write on purpose (a stranger's pass on issue 16)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml

from perfscore.errors import PerfscoreError
from perfscore.imports import read_results
from perfscore.imports.samples import Accumulator
from tests.conftest import assert_clean_error, perfscore
from tests.imports.test_formats import HEADER, samples, write_csv

ROW = "1764280000000,12,loan,200,OK,t,text,true,1,4,4,u,1"


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("far.jtl", HEADER + "\n" + ROW.replace("1764280000000", "100000000000000000", 1) + "\n", ":2: timeStamp"),
        ("long.jtl", HEADER + "\n" + ROW.replace(",12,", ",1e300,", 1) + "\n", ":2: elapsed"),
        ("deep.jtl", "<testResults>" + "<a>" * 100 + "</a>" * 100 + "</testResults>", "nested more than 64 deep"),
        (
            "big.ndjson",
            '{"type":"Point","metric":"http_req_duration","data":{"time":"2026-11-27T10:00:00Z","value":1'
            + "0" * 400
            + ',"tags":{}}}\n',
            ":1: http_req_duration value",
        ),
        ("nest.ndjson", '{"type":"Point","a":' + "[" * 100_000 + "]" * 100_000 + "}\n", ":1: nested too deeply"),
        (
            "old.ndjson",
            '{"type":"Point","metric":"http_req_duration","data":{"time":"0001-01-01T00:00:00Z","value":1,'
            '"tags":{}}}\n',
            ":1: time",
        ),
    ],  # fmt: skip
)
def test_implausible_values_are_exit_2_not_a_crash(tmp_path: Path, name: str, text: str, needle: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    tool = "k6" if name.endswith("ndjson") else "jmeter"
    with pytest.raises(PerfscoreError) as err:
        read_results(tool, [path])
    assert needle.lower() in err.value.message.lower() and err.value.exit_code == 2, err.value.message


def test_bom_zero_timestamps_and_many_user_levels(tmp_path: Path) -> None:
    bom = tmp_path / "bom.jtl"
    bom.write_text("\ufeff" + HEADER + "\n" + ROW + "\n" + ROW.replace("1764280000000", "0", 1) + "\n")
    load = read_results("jmeter", [bom]).load
    assert load.requests == 2 and load.duration_s == pytest.approx(0.012)  # the untimed sample counted, not timed
    acc = Accumulator("x")
    for users in range(1, 3001):  # a ramp-up through every thread count
        acc.add("a", 1_764_280_000_000 + users, 5, True, "200", 0, users)
    assert len(acc.levels) <= 220  # 1-99, then two significant digits: each a small histogram


def test_import_keeps_no_control_or_bidi_character(tmp_path: Path) -> None:
    rows = [(t, el, "\x1b]0;pwned\x07evil\u202egnp", rc, ok, u) for t, el, _, rc, ok, u in samples()]
    jtl = write_csv(tmp_path / "r.jtl", rows)
    res = perfscore("import", "jmeter", str(jtl), "-f", "json", "--save-run", str(tmp_path / "run.json"))
    assert res.code == 0, res.err
    for text in (res.out, (tmp_path / "run.json").read_text()):
        assert "\\u001b" not in text and "\x1b" not in text and "\u202e" not in text and "\\u202e" not in text


def _config(tmp: Path, command: str, timeout_s: float = 60) -> Path:
    cfg = {
        "target": {"base_url": "http://127.0.0.1:9"},
        "audit": {
            "duration_s": 1,
            "external_load": {"results": str(tmp / "results.jtl"), "command": command, "timeout_s": timeout_s},
        },
    }
    path = tmp / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_a_failed_load_command_is_not_scored_on_an_old_file(tmp_path: Path) -> None:
    write_csv(tmp_path / "results.jtl", samples())
    old = time.time() - 3600
    import os

    os.utime(tmp_path / "results.jtl", (old, old))
    res = perfscore("audit", "--config", str(_config(tmp_path, "false")), "--no-history")
    assert_clean_error(res, 3, "did not write", "earlier run")
    assert_clean_error(perfscore("audit", "--config", str(_config(tmp_path, " "))), 2, "the command is empty")
    assert_clean_error(perfscore("audit", "--config", str(_config(tmp_path, "sh -c 'x"))), 2, "does not parse")


@pytest.mark.e2e  # a real process group, waited on for its 2 s timeout: in the server tier, not the inner loop
def test_the_load_commands_whole_process_group_is_killed_at_its_timeout(tmp_path: Path) -> None:
    now = int(time.time() * 1000) + 60_000  # samples of this run: after the command starts
    write_csv(tmp_path / "src.jtl", [(now + i * 10, *rest) for i, (_, *rest) in enumerate(samples())])
    marker = f"sleep {int(time.time()) % 1000 + 4000}"
    command = f"sh -c 'cp {tmp_path / 'src.jtl'} {tmp_path / 'results.jtl'}; {marker} & {marker}'"
    res = perfscore("audit", "--config", str(_config(tmp_path, command, timeout_s=2)), "-f", "json", "--no-history")
    assert res.code in (0, 1, 3), res.err
    assert "was killed" in res.err
    deadline = time.monotonic() + 2  # a killed group is gone at once; its reaping may take a moment
    while (left := subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.strip()) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert not left, f"the load command's children outlived it: {left}"
    assert "window: 800 requests from JMeter CSV JTL results.jtl" in res.err  # what it wrote before the kill


def test_an_appended_jtl_is_read_from_this_runs_start(tmp_path: Path) -> None:
    """JMeter appends to an existing -l file: the samples of earlier runs are not this window's."""
    now = int(time.time() * 1000) + 60_000
    old = samples()[:300]  # an earlier run, a year before
    new = [(now + i * 10, *rest) for i, (_, *rest) in enumerate(samples()[:500])]
    jtl = write_csv(tmp_path / "r.jtl", old + new)
    imp = read_results("jmeter", [jtl], since=time.time())
    assert imp.load.requests == 500 and any("300 samples of earlier runs" in n for n in imp.load.notes)
