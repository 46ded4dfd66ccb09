"""Patterns init writes for a server: its program and the port when its command line shows it, never
another argument of its command line (issue #29: a flag's value may be a secret)."""

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
        ["/usr/sbin/mariadbd", "--defaults-file=/srv/a/my.cnf", "--user=mysql", "--port=3307"],
        3307,
        "/usr/sbin/mariadbd --defaults-file=/srv/a/my.cnf --user=mysql --port=3307",
        ["/usr/sbin/mariadbd --port=3308", "/usr/sbin/mysqld --port=3307"],
    ),
    (
        ["/usr/bin/redis-server 127.0.0.1:6380"],
        6380,
        "/usr/bin/redis-server 127.0.0.1:6380",
        ["/usr/bin/redis-server 127.0.0.1:6381", "/usr/bin/redis-server 127.0.0.1:16380"],
    ),
    (
        ["redis-server", "/etc/redis/app.conf", "--requirepass", "s3cr3t"],
        6379,
        "redis-server /etc/redis/app.conf --requirepass s3cr3t",
        ["redis-sentinel /etc/redis/app.conf"],
    ),
    (
        ["/usr/sbin/mysqld", "--password=s3cr3t"],
        3306,
        "/usr/sbin/mysqld --password=s3cr3t",
        ["/usr/sbin/mysqld-helper"],
    ),
]


@pytest.mark.parametrize(("cmd", "port", "same", "others"), CASES, ids=[c[2][:40] for c in CASES])
def test_server_patterns(cmd: list[str], port: int, same: str, others: list[str]) -> None:
    pattern, _ = server_pattern(Proc(cmd), port)
    assert pattern is not None and re.search(pattern, same), pattern
    assert not [o for o in others if re.search(pattern, o)], pattern
    for word in ("s3cr3t", "--user", "--requirepass", "my.cnf", "app.conf"):
        assert word not in pattern
