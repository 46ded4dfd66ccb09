"""perfscore on Bookshelf, the reference stack's second app (stack/bookshelf/): a plain-PHP site perfscore's
code knows nothing of, tried as a newcomer would (issue 24). `init` must find what the app is from the app
and the host, and the audit built on it must give the verdict an expert's config gives."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from perfscore.config import load_config
from tests.conftest import perfscore
from tests.stack.fixtures import PORTS, STATE, secret

pytestmark = [pytest.mark.stack, pytest.mark.slow]

BASE = f"http://127.0.0.1:{PORTS['bookshelf_http']}"
ACCESS_LOG = STATE / "logs" / "bookshelf-access.log"
QUICK = {"duration_s": 3, "load": {"connections": 4, "scalability": False}}


@pytest.fixture(scope="module")
def newcomer(stack: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`perfscore init` as the README says, with the app's URL and its servers' ports."""
    out = tmp_path_factory.mktemp("bookshelf-init") / "perfscore.yaml"
    res = perfscore(
        "init", str(out), "--url", BASE + "/",
        "--mysql-port", str(PORTS["mysql"]), "--redis-port", str(PORTS["bookshelf_redis"]),
        env={"PERFSCORE_MYSQL_PASSWORD": secret("mysql-perfscore")},
    )  # fmt: skip
    assert res.code == 0, res.err
    return out, res.err


def audit(cfg: Path, *extra: str) -> dict[str, Any]:
    res = perfscore("audit", "--config", str(cfg), "-f", "json", "--no-history", *extra)
    assert res.code in (0, 1), res.err
    assert "Traceback" not in res.err
    doc: dict[str, Any] = json.loads(res.out)
    return doc


def metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def test_init_finds_bookshelfs_own_servers_and_intent(newcomer: tuple[Path, str]) -> None:
    out, said = newcomer
    cfg = load_config(out)
    assert cfg.processes is not None and cfg.processes.app == ["^php-fpm: pool bookshelf\\s*$"], said
    # Its Redis has no password (a PING answered PONG), and nothing asks for one; no replica exists.
    assert cfg.redis is not None and cfg.redis.password_env is None and cfg.redis.password_file is None
    assert cfg.mysql is not None and cfg.mysql.replicas_expected is False
    # The logs its servers name: nginx's for this server block, the pool's PHP error log.
    logs = {str(p) for p in cfg.logs}
    assert str(STATE / "logs" / "bookshelf-php-errors.log") in logs, logs
    assert str(STATE / "logs" / "bookshelf-nginx-error.log") in logs, logs
    assert not {p for p in logs if "php-errors.log" in p and "bookshelf" not in p}, logs  # not LoanFlow's


def test_init_lists_the_apps_routes_and_never_a_write(newcomer: tuple[Path, str]) -> None:
    out, said = newcomer
    cfg = load_config(out)
    paths = [e.path for e in cfg.endpoints]
    assert cfg.endpoints and all(e.method == "GET" for e in cfg.endpoints), paths
    assert not [p for p in paths if p.startswith("/api/loans") or "borrower" in p], paths  # not LoanFlow's
    assert "/" in paths and any(p.startswith("/books") for p in paths), paths
    assert len([p for p in paths if re.fullmatch(r"/book/\d+", p)]) == 1, paths  # one route, one sample
    assert "/reports/yearly" in paths, paths  # a page that fails is a finding, not a route to drop
    text = out.read_text()
    assert re.search(r"#.*/contact.*writes data", text), text  # the form: listed, commented out


def test_every_endpoint_init_wrote_exists(newcomer: tuple[Path, str]) -> None:
    import urllib.error
    import urllib.request

    for e in load_config(newcomer[0]).endpoints:
        try:
            with urllib.request.urlopen(BASE + e.path, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as err:
            status = err.code
        assert status != 404, e.path


@pytest.fixture(scope="module")
def newcomer_audit(
    newcomer: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], list[str]]:
    """The audit of init's config, with the members' cookie added as a user would, on a short window."""
    import yaml

    data = yaml.safe_load(newcomer[0].read_text())
    data["audit"].update(QUICK)
    data["mysql"]["password_file"] = str(STATE / "secrets" / "mysql-perfscore.pw")
    data["mysql"].pop("password_env", None)
    data["target"]["cookies"] = {"bs_session": secret("bookshelf-session")}
    cfg = tmp_path_factory.mktemp("bookshelf-audit") / "perfscore.yaml"
    cfg.write_text(yaml.safe_dump(data))
    before = ACCESS_LOG.stat().st_size
    doc = audit(cfg)
    with ACCESS_LOG.open() as fh:
        fh.seek(before)
        lines = fh.read().splitlines()
    return doc, lines


def test_the_newcomers_audit_names_the_fatal_the_dump_and_the_installer(
    newcomer_audit: tuple[dict[str, Any], list[str]],
) -> None:
    doc, _ = newcomer_audit
    first = doc["roadmap"][0]
    assert first["metric"] == "http.no_exposed_files" and first["critical"], doc["roadmap"][:2]
    exposed = metric(doc, "http.no_exposed_files")["summary"]
    assert "/install.php" in exposed and "/backup.sql" in exposed, exposed
    fatal = "Call to undefined function render_year_table()"
    assert fatal in json.dumps(doc["roadmap"]), [i["detail"] for i in doc["roadmap"][:4]]
    assert "mysql.replicas" not in {i["metric"] for i in doc["roadmap"]}


def test_the_newcomers_audit_measures_bookshelf_only(newcomer_audit: tuple[dict[str, Any], list[str]]) -> None:
    doc, _ = newcomer_audit
    rss = metric(doc, "php.worker_rss_mean")
    assert rss["status"] == "measured", rss
    text = json.dumps(rss)
    assert "loanflow" not in text and "mix apps" not in text, rss


def test_every_probe_carries_the_session_cookie(newcomer_audit: tuple[dict[str, Any], list[str]]) -> None:
    _, lines = newcomer_audit
    ours = [line for line in lines if "perfscore" in line]
    assert len(ours) > 20, lines[:5]
    # The installer is asked without it on purpose ("answers anyone" is the finding), and so is the path
    # that cannot exist it is compared with (perfscore-<random>.php).
    anonymous = ("/install.php", "/perfscore-")
    without = [line for line in ours if not line.endswith(" cookie") and not any(a in line for a in anonymous)]
    assert not without, without[:10]


def test_the_newcomers_verdict_is_the_experts(newcomer_audit: tuple[dict[str, Any], list[str]]) -> None:
    newcomer, _ = newcomer_audit
    expert = audit(STATE / "bookshelf.yaml", "-d", "3")

    def band(score: float) -> int:
        return 0 if score < 50 else 1 if score < 90 else 2

    assert band(newcomer["score"]) == band(expert["score"]), (newcomer["score"], expert["score"])
    # The same first three items. Their order among the critical ones may differ: the failing page's share
    # of the traffic is the mix's (the newcomer's mix holds more routes than the expert's seven).
    firsts = [{i["metric"] for i in d["roadmap"][:3]} for d in (newcomer, expert)]
    assert firsts[0] == firsts[1], firsts
    assert all(d["roadmap"][0]["critical"] for d in (newcomer, expert))
