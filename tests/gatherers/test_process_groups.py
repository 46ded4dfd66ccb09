"""Workers grouped by the app they serve: their master and pool, never a command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from perfscore.gatherers.memory import _parents, _top_level


@dataclass
class Proc:
    pid: int
    parent_pid: int
    title: str
    table: dict[int, Any] = field(default_factory=dict, repr=False)

    def ppid(self) -> int:
        return self.parent_pid

    def parent(self) -> Any:
        return self.table.get(self.parent_pid)

    def name(self) -> str:
        return self.title.split(":")[0].split()[0]

    def cmdline(self) -> list[str]:
        return self.title.split()


def world(*procs: tuple[int, int, str]) -> dict[int, Proc]:
    table: dict[int, Any] = {}
    for pid, ppid, title in procs:
        table[pid] = Proc(pid, ppid, title, table)
    return table


ALL = world(
    (1, 0, "systemd"),
    (10, 1, "php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf) MYSQL_PWD=hunter2"),
    (11, 10, "php-fpm: pool www"),
    (12, 10, "php-fpm: pool www"),
    (13, 10, "php-fpm: pool shop"),
    (20, 1, "php-fpm: master process (/srv/other.conf)"),
    (21, 20, "php-fpm: pool www"),
    (30, 1, "mariadbd"),
    (31, 1, "mariadbd"),
)


def pick(*pids: int) -> dict[int, Any]:
    return {p: ALL[p] for p in pids}


def test_one_pool_of_one_master_is_one_app() -> None:
    assert _parents(pick(11, 12)) == {"php-fpm [10] pool www": 2}


def test_a_pattern_that_matches_the_master_too_is_still_one_app() -> None:
    assert _parents(pick(10, 11, 12)) == {"php-fpm [10] pool www": 2}


def test_two_pools_of_one_master_and_two_masters_are_told_apart() -> None:
    assert _parents(pick(11, 12, 13)) == {"php-fpm [10] pool www": 2, "php-fpm [10] pool shop": 1}
    assert _parents(pick(11, 12, 21)) == {"php-fpm [10] pool www": 2, "php-fpm [20] pool www": 1}


def test_no_command_line_is_kept() -> None:
    assert "hunter2" not in repr(_parents(pick(10, 11, 12, 13, 20, 21)))


def test_servers_count_once_each() -> None:
    assert _top_level(pick(30, 31)) == 2
    assert _top_level(pick(10, 11, 12)) == 1
