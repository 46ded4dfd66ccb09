"""MariaDB's log files from its own variables (rows as SHOW GLOBAL VARIABLES returns them)."""

from __future__ import annotations

import pytest

from perfscore.host.mariadb import log_files

DEBIAN = {"datadir": "/var/lib/mysql/", "log_error": "", "log_output": "FILE", "slow_query_log": "OFF",
          "slow_query_log_file": "host-slow.log"}  # fmt: skip

CASES = [
    ("Debian's default: the journal, no slow log", DEBIAN, [], ["stderr", "slow_query_log is off"]),
    (
        "files under datadir",
        DEBIAN | {"log_error": "./host.err", "slow_query_log": "ON"},
        ["/var/lib/mysql/host.err", "/var/lib/mysql/host-slow.log"],
        [],
    ),
    (
        "absolute paths",
        DEBIAN | {"log_error": "/var/log/mysql/error.log", "slow_query_log": "ON", "slow_query_log_file": "/s.log"},
        ["/var/log/mysql/error.log", "/s.log"],
        [],
    ),
    (
        "the slow log in a table is the MySQL gatherer's, not a file",
        DEBIAN | {"slow_query_log": "ON", "log_output": "TABLE"},
        [],
        ["TABLE (log_output), not a file"],
    ),
    ("both", DEBIAN | {"slow_query_log": "ON", "log_output": "FILE,TABLE"}, ["/var/lib/mysql/host-slow.log"], []),
    ("nothing readable is a reason each", {}, [], ["log_error could not be read", "slow_query_log could not be read"]),
]


@pytest.mark.parametrize(("name", "variables", "files", "notes"), CASES, ids=[c[0] for c in CASES])
def test_log_files(name: str, variables: dict[str, str], files: list[str], notes: list[str]) -> None:
    got_files, got_notes = log_files(variables)
    assert got_files == files
    for n in notes:
        assert any(n in g for g in got_notes), (n, got_notes)
