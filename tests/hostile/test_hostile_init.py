"""init --mysql-port / --redis-port on a port another program listens on (issue #29 item 9): the config gets
a pattern of the program's name and the port, never the program's other arguments."""

from __future__ import annotations

import re

import pytest

from perfscore.host.app import server_pattern

SECRET = "sk_live_9fQ2xZ"


class Proc:
    def __init__(self, cmd: list[str]) -> None:
        self.cmd = cmd

    def cmdline(self) -> list[str]:
        return self.cmd

    def name(self) -> str:
        return "proxy"


@pytest.mark.parametrize(
    "cmd",
    [
        ["/opt/proxy/bin/proxy", "--api-key", f"{SECRET}:4430", "--listen=:3306"],  # a value shaped like an address
        ["/opt/proxy/bin/proxy", f"--config=/srv/{SECRET}.yaml", "--listen=:3306"],  # a path that is a secret
        [f"/opt/proxy/bin/proxy --api-key={SECRET} --listen=:3306"],  # a title the process wrote itself
        ["/opt/proxy/bin/proxy", f"--api-token={SECRET}", "-p", "3306"],
    ],
)
def test_the_pattern_holds_the_program_and_the_port_only(cmd: list[str]) -> None:
    pattern, what = server_pattern(Proc(cmd), 3306)
    assert pattern is not None
    assert SECRET not in pattern and SECRET not in what
    assert "proxy" in pattern and what == "proxy"
    assert re.search(pattern, " ".join(cmd))  # still the server it was made for
    assert set(re.findall(r"[A-Za-z_]{4,}", pattern)) <= {"proxy"}  # no word of another argument


def test_a_program_name_that_is_no_name_gives_no_pattern() -> None:
    pattern, why = server_pattern(Proc([f"--api-key={SECRET}", "x"]), 3306)
    assert pattern is None and SECRET not in why and "3306" in why
