"""Patterns init writes for a server: its program and configuration file or address, never its whole
command line, never an argument that looks like a secret."""

from __future__ import annotations

import re

import pytest

from perfscore.host.app import server_pattern


class Proc:
    def __init__(self, cmd: list[str]) -> None:
        self.cmd = cmd

    def cmdline(self) -> list[str]:
        return self.cmd

    def name(self) -> str:
        return self.cmd[0].rsplit("/", 1)[-1]


CASES = [
    (
        ["/usr/sbin/mariadbd", "--defaults-file=/srv/a/my.cnf", "--user=mysql"],
        "/usr/sbin/mariadbd --defaults-file=/srv/a/my.cnf --user=mysql",
        ["/usr/sbin/mariadbd --defaults-file=/srv/b/my.cnf", "/usr/sbin/mysqld"],
    ),
    (
        ["/usr/bin/redis-server 127.0.0.1:6380"],
        "/usr/bin/redis-server 127.0.0.1:6380",
        ["/usr/bin/redis-server 127.0.0.1:6381", "/usr/bin/redis-server 127.0.0.1:16380"],
    ),
    (
        ["redis-server", "/etc/redis/app.conf", "--requirepass", "s3cr3t"],
        "redis-server /etc/redis/app.conf --requirepass s3cr3t",
        ["redis-server /etc/redis/other.conf"],
    ),
    (
        ["/usr/sbin/mysqld", "--password=s3cr3t"],
        "/usr/sbin/mysqld --password=s3cr3t",
        ["/usr/sbin/mysqld-helper"],
    ),
]


@pytest.mark.parametrize(("cmd", "same", "others"), CASES, ids=[c[1][:40] for c in CASES])
def test_server_patterns(cmd: list[str], same: str, others: list[str]) -> None:
    pattern, _ = server_pattern(Proc(cmd))
    assert re.search(pattern, same), pattern
    assert not [o for o in others if re.search(pattern, o)], pattern
    assert "s3cr3t" not in pattern and "--user" not in pattern and "--requirepass" not in pattern
