from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO


def free_port() -> int:
    """A port nothing listens on (for "cannot connect" cases): servers bind port 0 and say which they got."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server() -> Iterator[Callable[[str, str], int]]:
    procs: list[subprocess.Popen[str]] = []

    def start(mode: str, arg: str = "", tls: tuple[Path, Path] | None = None) -> int:
        p = subprocess.Popen(
            [sys.executable, "-m", "tests.load.servers", mode, "0", arg]
            + (["--tls", str(tls[0]), str(tls[1])] if tls else []),
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(p)
        assert p.stdout is not None
        said, _, port = p.stdout.readline().partition(" ")
        assert said == "ready", said
        return int(port)

    yield start
    for p in procs:
        p.kill()
        p.wait()


CA_CONF = """
[ca]
default_ca = self
[self]
dir = {d}
database = {d}/index.txt
new_certs_dir = {d}
serial = {d}/serial
default_md = sha256
policy = any
copy_extensions = copy
[any]
commonName = supplied
"""


def make_cert(d: Path, name: str, dns: str, expired: bool = False) -> tuple[Path, Path]:
    """A self-signed certificate (and key) for DNS name ``dns``, valid now or expired since 2020."""
    cert, key = d / f"{name}.pem", d / f"{name}.key"
    san = f"subjectAltName=DNS:{dns}"
    if not expired:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={dns}",
             "-addext", san, "-keyout", key, "-out", cert],
            check=True, capture_output=True,
        )  # fmt: skip
        return cert, key
    ca = d / f"{name}-ca"
    ca.mkdir()
    (ca / "index.txt").write_text("")
    (ca / "serial").write_text("01\n")
    (ca / "ca.cnf").write_text(CA_CONF.format(d=ca))
    csr = ca / "req.csr"
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={dns}", "-addext", san,
         "-keyout", key, "-out", csr],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "ca", "-selfsign", "-batch", "-config", ca / "ca.cnf", "-keyfile", key, "-in", csr,
         "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key
