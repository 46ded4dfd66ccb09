"""`perfscore config check` against the real reference stack: every component touched once, the failing
one named (issue 24: like `lhci healthcheck` or `nginx -t`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import perfscore
from tests.stack.fixtures import AUDIT_CONFIG

pytestmark = [pytest.mark.stack, pytest.mark.untimed]


def _check(cfg: Path) -> tuple[int, str]:
    res = perfscore("config", "check", "--config", str(cfg))
    assert "Traceback" not in res.err
    return res.code, res.out + res.err


def _variant(tmp_path: Path, change: dict[str, object]) -> Path:
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    for dotted, value in change.items():
        where = cfg
        *parents, last = dotted.split(".")
        for p in parents:
            where = where[p]
        where[last] = value
    path = tmp_path / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_the_stack_config_passes_every_component(stack: Path) -> None:
    code, out = _check(AUDIT_CONFIG)
    assert code == 0, out
    for component in ("http", "mysql", "redis", "processes.app", "processes.database", "processes.cache"):
        assert f"✓ {component}" in out, (component, out)
    assert "missing" not in out.lower(), out  # the documented least-privilege grants, all given
    assert out.count("✓ log ") == 3, out


@pytest.mark.parametrize(
    ("change", "component"),
    [
        ({"mysql.port": 9}, "mysql"),
        ({"redis.url": "redis://127.0.0.1:9/0"}, "redis"),
        ({"logs": ["/nonexistent/php-errors.log"]}, "log /nonexistent/php-errors.log"),
        ({"processes.app": ["^php-fpm: pool nosuchpool$"]}, "processes.app"),
    ],
    ids=["wrong mysql port", "wrong redis port", "unreadable log", "pattern matching nothing"],
)
def test_a_broken_component_is_named_and_exits_3(
    stack: Path, tmp_path: Path, change: dict[str, object], component: str
) -> None:
    code, out = _check(_variant(tmp_path, change))
    assert code == 3, out
    assert f"✗ {component}" in out, out
    assert "✓ http" in out  # the others are still checked


def test_a_wrong_password_is_named_and_never_printed(stack: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.pw"
    wrong.write_text("not-the-perfscore-password\n")
    code, out = _check(_variant(tmp_path, {"mysql.password_file": str(wrong)}))
    assert code == 3 and "✗ mysql" in out, out
    assert "denied" in out.lower(), out
    assert "not-the-perfscore-password" not in out
