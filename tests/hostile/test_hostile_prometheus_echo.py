"""A Prometheus that echoes the basic-auth password it was sent (issue #29 item 8), as is, split by a control
character, base64, URL-encoded and hex, and the Authorization header's token, in its build info, label
values, warnings and error bodies: none of it reaches stderr, stdout, a report in any format or the saved run."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import Cli, perfscore_process
from tests.hostile import servers

pytestmark = [pytest.mark.server, pytest.mark.e2e]

USER = "perfscore"
PASSWORD = "Pr0m/s3cr+t ü&x=="  # a space, /, +, & and = and a non-ASCII letter: each encoding spells it differently
ENV = {"PERFSCORE_TEST_PROM_PW": PASSWORD}


def _forms() -> set[str]:
    raw = PASSWORD.encode()
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    forms = {f.decode("utf-8", "replace") for f in servers.echo_forms(raw)}
    forms |= {PASSWORD, token, base64.b64encode(raw).decode().rstrip("=")}
    forms |= {json.dumps(PASSWORD)[1:-1], json.dumps(PASSWORD, ensure_ascii=False)[1:-1]}  # JSON's spellings
    forms |= {urllib.parse.quote(token, safe=""), raw.hex()}
    return forms


@pytest.fixture
def prometheus() -> Iterator[int]:
    port, stop = servers.start("prom-echo-forms")
    yield port
    stop()


def _config(tmp: Path, port: int) -> Path:
    cfg = {
        "prometheus": {
            "url": f"http://127.0.0.1:{port}",
            "username": USER,
            "password_env": "PERFSCORE_TEST_PROM_PW",
            "timeout_s": 5,
        },
        "hosts": {"db": {"role": "database", "instance": "10.0.0.1:9100"}},
        "audit": {"duration_s": 1, "load": {"scalability": False}},
    }
    path = tmp / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def _leaks(where: dict[str, str]) -> dict[str, list[str]]:
    forms = _forms()
    joined = {name: " ".join(text.split()) for name, text in where.items()}  # a form split over wrapped lines too
    return {name: sorted(f for f in forms if f in text or f in joined[name]) for name, text in where.items()}


def _echoed() -> list[object]:
    return [item for item in servers.LOG.get("prom-echo-forms", []) if item[0] == "request"]  # type: ignore[index]


def test_config_check_prints_no_form_of_the_echoed_password(prometheus: int, tmp_path: Path) -> None:
    res: Cli = perfscore_process(
        "config", "check", "--config", str(_config(tmp_path, prometheus)), env=ENV, cwd=tmp_path
    )
    assert "Traceback" not in res.err, res.err
    said = " ".join((res.out + res.err).split())
    assert res.code != 0 and "build info unavailable for ***" in said, (res.code, said)  # the echo, redacted
    assert _echoed(), "perfscore never asked the echoing Prometheus"
    leaks = {k: v for k, v in _leaks({"stdout": res.out, "stderr": res.err}).items() if v}
    assert not leaks, leaks


def test_an_audit_writes_no_form_of_the_echoed_password_anywhere(prometheus: int, tmp_path: Path) -> None:
    cfg = _config(tmp_path, prometheus)
    outs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "md", "html")}
    assert not (tmp_path / "run.json").exists()
    args = ["audit", "--config", str(cfg), "--history", str(tmp_path / "h.sqlite"), "--save-run", "run.json"]
    for path in outs.values():
        args += ["-o", str(path)]  # each report's format from its name
    res = perfscore_process(*args, env=ENV, cwd=tmp_path, timeout=120)
    assert res.code in (0, 1, 3), (res.code, res.err)
    assert "Traceback" not in res.err, res.err
    requests = _echoed()
    assert len(requests) >= 4, requests  # the check, then queries answered with each echoing kind
    texts = {"stdout": res.out, "stderr": res.err, "run.json": (tmp_path / "run.json").read_text()}
    texts |= {path.name: path.read_text() for path in outs.values()}
    assert all(path.stat().st_size > 0 for path in outs.values())
    assert "upstream said ***" in texts["run.json"] or "bad query: ***" in texts["run.json"], "no echo reached the run"
    leaks = {k: v for k, v in _leaks(texts).items() if v}
    assert not leaks, leaks
