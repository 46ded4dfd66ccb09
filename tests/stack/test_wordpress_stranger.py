"""Debian's WordPress, on the reference stack's MariaDB, tried as a stranger would try perfscore on it
(issue 24: "against an app you did not write"). Points 1-5 of the issue: routes from the site, what the
host serves, logs from the servers, processes from sockets, intent from what exists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perfscore.config import load_config
from tests.conftest import NO_RAMP, perfscore
from tests.stack.fixtures import PORTS, STATE, secret
from tests.stack.wordpress import MySQLAdmin, WordPressSite, installed, start_wordpress

pytestmark = [
    pytest.mark.stack,
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.skipif(not installed(), reason="Debian's wordpress package is not installed"),
]


@pytest.fixture(scope="module")
def wp(stack: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPressSite]:
    admin = MySQLAdmin.root_over_socket(STATE / "run" / "mysql.sock", PORTS["mysql"])
    site = start_wordpress(admin, None, tmp_path_factory.mktemp("wordpress"))
    yield site
    site.stop()


@pytest.fixture(scope="module")
def init(wp: WordPressSite, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("wp-init") / "perfscore.yaml"
    res = perfscore(
        "init", str(out), "--url", wp.base_url, "--mysql-port", str(PORTS["mysql"]),
        env={"PERFSCORE_MYSQL_PASSWORD": secret("mysql-perfscore")},
    )  # fmt: skip
    assert res.code == 0, res.err
    return out, res.err


def test_init_finds_wordpress_routes_and_never_a_write(wp: WordPressSite, init: tuple[Path, str]) -> None:
    cfg = load_config(init[0])
    paths = [e.path for e in cfg.endpoints]
    assert all(e.method == "GET" for e in cfg.endpoints), paths
    assert not [p for p in paths if "/api/loans" in p], paths  # not the reference app's template
    posts = [p for p in paths if any(p.rstrip("/") == post.replace(wp.base_url, "").rstrip("/") for post in wp.posts)]
    assert len(posts) <= 2, paths  # 25 posts of one shape are one or two routes, not 25 endpoints
    assert len(paths) >= 3, paths


def test_init_finds_the_pool_and_its_logs(wp: WordPressSite, init: tuple[Path, str]) -> None:
    cfg = load_config(init[0])
    assert cfg.processes is not None and cfg.processes.app == ["^php-fpm: pool wordpress\\s*$"], init[1]
    logs = {str(p) for p in cfg.logs}
    assert str(wp.php_error_log) in logs and str(wp.nginx_error_log) in logs, (logs, init[1])
    assert cfg.mysql is not None and cfg.mysql.replicas_expected is False


@pytest.fixture(scope="module")
def audited(init: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(init[0].read_text())
    data["audit"].update({"duration_s": 2, "load": {"connections": 2, "scalability": False}})
    data["mysql"]["password_file"] = str(STATE / "secrets" / "mysql-perfscore.pw")
    data["mysql"].pop("password_env", None)
    data.pop("redis", None)  # WordPress here caches nothing in Redis
    cfg = tmp_path_factory.mktemp("wp-audit") / "perfscore.yaml"
    cfg.write_text(yaml.safe_dump(data))
    res = perfscore(
        "audit", "--config", str(cfg), "-f", "json", "--no-history", "--save-run", str(cfg.parent / "run.json")
    )
    assert res.code in (0, 1), res.err
    doc: dict[str, Any] = json.loads(res.out)
    doc["_run"] = json.loads((cfg.parent / "run.json").read_text())
    return doc


def test_the_audit_measures_wordpress_and_nothing_else(audited: dict[str, Any]) -> None:
    rss = next(m for c in audited["categories"] for m in c["metrics"] if m["id"] == "php.worker_rss_mean")
    assert rss["status"] == "measured" and "loanflow" not in json.dumps(rss) and "bookshelf" not in json.dumps(rss)
    facts = audited["_run"]["artifacts"].get("stack") or {}
    assert "WordPress" in json.dumps(facts), facts


def test_the_audit_lists_wordpress_web_root_without_a_false_critical(audited: dict[str, Any]) -> None:
    # Installed: its install.php answers "already installed" - listed, not counted.
    exposure = next(m for c in audited["categories"] for m in c["metrics"] if m["id"] == "http.no_exposed_files")
    assert exposure["status"] == "measured", exposure
    assert "/wp-admin/install.php" not in json.dumps(exposure.get("evidence", {}).get("exposed", [])), exposure
    # Debian's example config sends /wp-content/ as files, so a plugin's views/setup.php goes out as source:
    # public code, not an installer anyone can run (it led the roadmap as one before).
    assert "an installer answers anyone" not in (exposure["summary"] or ""), exposure["summary"]


def test_without_a_config_the_audit_of_wordpress_uses_what_the_host_says(wp: WordPressSite) -> None:
    res = perfscore("audit", "--config", str(NO_RAMP), "--url", wp.base_url, "-d", "2", "-f", "json", "--no-history")
    assert res.code in (0, 1), res.err
    doc = json.loads(res.out)
    rss = next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == "php.worker_rss_mean")
    assert "mix apps" not in json.dumps(rss), rss
