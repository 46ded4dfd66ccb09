"""Fixtures for tests against the real reference stack (started by `make stack-up`)."""

from __future__ import annotations

import json
import subprocess
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

STACKCTL = REPO / "stack" / "stackctl"
STATE = REPO / ".stack"
SETTINGS = tomllib.loads((REPO / "stack" / "settings.toml").read_text())  # ports and knob defaults
PORTS: dict[str, int] = SETTINGS["ports"]
BASE = f"http://127.0.0.1:{PORTS['http']}"
AUDIT_CONFIG = STATE / "perfscore.yaml"  # rendered by `stackctl up` from stack/conf/perfscore.yaml


@dataclass
class Http:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def http(
    path: str,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Http:
    req = urllib.request.Request(BASE + path, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Http(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:
        return Http(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


def stackctl(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [str(STACKCTL), *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def secret(name: str) -> str:
    return (STATE / "secrets" / f"{name}.pw").read_text().strip()


@pytest.fixture(scope="session")
def stack() -> Path:
    res = stackctl("up")
    assert res.returncode == 0, res.stderr
    return STATE


@pytest.fixture
def knob(stack: Path) -> Iterator[Callable[..., None]]:
    def set_knobs(**values: object) -> None:
        args = [str(x) for kv in values.items() for x in kv]
        res = stackctl("knob", *args)
        assert res.returncode == 0, res.stderr

    yield set_knobs
    res = stackctl("knob", "reset")
    assert res.returncode == 0, res.stderr


@pytest.fixture
def redis_client(stack: Path):  # type: ignore[no-untyped-def]
    import redis

    client = redis.Redis(host="127.0.0.1", port=6380, password=secret("redis"), socket_timeout=5)
    yield client
    client.close()


def connect_mysql(user: str, secret_name: str):  # type: ignore[no-untyped-def]
    import pymysql

    return pymysql.connect(
        host="127.0.0.1",
        port=PORTS["mysql"],
        user=user,
        password=secret(secret_name),
        database="loanflow",
        connect_timeout=5,
        autocommit=True,
    )


@pytest.fixture
def app_mysql(stack: Path):  # type: ignore[no-untyped-def]
    """The app's own database user: perfscore's may read no row of the app (least privilege)."""
    conn = connect_mysql("loanflow", "mysql-app")
    yield conn
    conn.close()


@pytest.fixture
def mysql(stack: Path):  # type: ignore[no-untyped-def]
    """perfscore's own user, with the README's least-privilege grants."""
    conn = connect_mysql("perfscore", "mysql-perfscore")
    yield conn
    conn.close()


@dataclass
class Audited:
    """One audit of the healthy stack: its JSON result and its saved run."""

    doc: dict[str, object]
    run: Path
    config: Path


@pytest.fixture(scope="session")
def healthy_audit(stack: Path, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """The healthy stack audited once per session (3 s window, no ramp), shared by every test that needs
    an audit of it as it is: the knob tests' baseline, the HTML report, the README's CI baseline. Verdict
    and report logic runs on this saved run; only knobs get audits of their own."""
    import yaml

    from tests.conftest import perfscore

    where = tmp_path_factory.mktemp("healthy-audit")
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"]["duration_s"] = 3
    cfg["audit"]["load"]["scalability"] = False
    config = where / "perfscore.yaml"
    config.write_text(yaml.safe_dump(cfg))
    run = where / "run.json"
    res = perfscore("audit", "--config", str(config), "--format", "json", "--save-run", str(run), "--no-history")
    assert res.code in (0, 1), res.err
    assert "Traceback" not in res.err
    return Audited(json.loads(res.out), run, config)
