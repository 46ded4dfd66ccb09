from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server() -> Iterator[Callable[[str, str], int]]:
    procs: list[subprocess.Popen[str]] = []

    def start(mode: str, arg: str = "") -> int:
        port = free_port()
        p = subprocess.Popen(
            [sys.executable, "-m", "tests.load.servers", mode, str(port), arg],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(p)
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        return port

    yield start
    for p in procs:
        p.kill()
        p.wait()
