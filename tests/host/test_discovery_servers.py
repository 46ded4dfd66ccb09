"""Discovery from sockets on a private stack: nginx with two server blocks, a PHP-FPM master with two pools
and a second master with another pool. The target's block decides which master, pool, logs and web root
are the app's; `init` writes patterns that match only those; nothing listening means no process figures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from perfscore.discover import discover
from perfscore.host.app import find_app, web_roots
from tests.conftest import perfscore
from tests.host.stackfix import Stack, web_stack  # noqa: F401 (the fixture)
from tests.load.fixtures import free_port

pytestmark = pytest.mark.server


def _matching(patterns: list[str]) -> set[int]:
    from perfscore.gatherers.memory import processes_matching

    return set(processes_matching(patterns, [], Path(".")))


def _children(pid: int, pool: str) -> set[int]:
    return {c.pid for c in psutil.Process(pid).children() if f"pool {pool}" in " ".join(c.cmdline())}


def test_the_target_block_leads_to_its_own_master_pool_logs_and_root(web_stack: Stack) -> None:  # noqa: F811
    st, d = web_stack, web_stack.dir
    app = find_app(f"http://127.0.0.1:{st.shop_port}/")
    assert app.reason is None and app.listener == f"nginx [{st.procs['nginx'].pid}]"
    assert [(p.name, p.master_pid) for p in app.pools] == [(st.pool("shop"), st.procs["main"].pid)]
    assert app.web_roots == [f"{d}/shop-www", f"{d}/shop-files"]
    assert app.logs == [f"{d}/shop-nginx.log", f"{d}/shop-php.log", f"{d}/main-fpm.log", f"{d}/shop-slow.log"]
    assert "hunter2" not in repr(app)  # the pool's env[] secret is never kept
    blog = find_app(f"http://blog.test:{st.blog_port}/".replace("blog.test", "127.0.0.1"))
    assert [p.name for p in blog.pools] == [st.pool("blog")] and blog.web_roots == [f"{d}/blog-www"]
    assert f"{d}/blog-php.log" in blog.logs and f"{d}/shop-php.log" not in blog.logs
    assert web_roots(f"http://127.0.0.1:{st.shop_port}/") == ([f"{d}/shop-www", f"{d}/shop-files"], None)


def test_init_writes_patterns_for_exactly_those_processes_and_the_logs(web_stack: Stack, tmp_path: Path) -> None:  # noqa: F811
    st, d = web_stack, web_stack.dir
    out = tmp_path / "p.yaml"
    with open(d / "shop-access.log", "a") as log:  # last year's busiest minute: 900 requests from 45 clients
        log.writelines(
            f'198.51.100.{i % 45 + 1} - - [05/Dec/2025:20:31:{i % 60:02d} +0000] "GET / HTTP/1.1" 200 5 "-" "-"\n'
            for i in range(900)
        )
    res = perfscore("init", str(out), "--url", f"http://127.0.0.1:{st.shop_port}", "--redis-port", str(st.redis_port))
    assert res.code == 0, res.err
    doc = yaml.safe_load(out.read_text())
    assert doc["slo"] == {"peak_rps": 15, "concurrent_users": 45}  # 900 / 60 req/s; its clients
    said = " ".join(line.removeprefix("# ") for line in out.read_text().splitlines() if line.startswith("# "))
    assert f"from {d}/shop-access.log: its busiest minute (05/Dec/2025:20:31)" in said
    assert doc["processes"]["app"] == [f"^php-fpm: pool {st.pool('shop')}\\s*$"]
    shop = _children(st.procs["main"].pid, st.pool("shop"))
    assert shop and _matching(doc["processes"]["app"]) == shop  # not the blog pool, not the other master
    assert _matching(doc["processes"]["cache"]) == {st.procs["redis"].pid}  # not the reference stack's redis
    assert doc["logs"] == [f"{d}/shop-nginx.log", f"{d}/shop-php.log", f"{d}/main-fpm.log", f"{d}/shop-slow.log"]
    text = out.read_text()
    assert "hunter2" not in text and "--port" not in text  # no command line copied, no secret
    assert f"pool '{st.pool('shop')}'" in res.err and f"[{st.procs['main'].pid}]" in res.err


def test_nothing_listening_means_no_process_and_the_reason(tmp_path: Path) -> None:
    port = free_port()
    app = find_app(f"http://127.0.0.1:{port}/")
    assert app.local and not app.pools and app.reason is not None and "nothing listens" in app.reason
    found = discover(f"http://127.0.0.1:{port}/", None, None)
    assert found.app is None and found.logs == [] and any("nothing listens" in n for n in found.notes)


def test_the_server_pattern_names_program_and_address_not_the_command_line(web_stack: Stack) -> None:  # noqa: F811
    from perfscore.host.app import listener_pattern

    pattern, why = listener_pattern(web_stack.redis_port)
    assert pattern is not None and re.search("redis", pattern) and "--save" not in pattern, pattern
    assert str(web_stack.redis_port) in why


def _audit(*args: str, tmp: Path) -> tuple[int, dict[str, Any], str]:
    res = perfscore(
        "audit",
        *args,
        "--duration",
        "1",
        "--no-ramp",
        "-f",
        "json",
        "--no-history",
        env={"XDG_DATA_HOME": str(tmp)},
        timeout=120,
    )
    assert "Traceback" not in res.err, res.err
    return res.code, (json.loads(res.out) if res.out.strip() else {}), res.err


def _metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


def test_an_audit_without_a_config_measures_the_pool_behind_the_target_and_reads_its_logs(
    web_stack: Stack,  # noqa: F811
    tmp_path: Path,
) -> None:
    st, d = web_stack, web_stack.dir
    code, doc, err = _audit("--url", f"http://127.0.0.1:{st.shop_port}", tmp=tmp_path)
    assert code in (0, 1), err
    assert f"found on this host: app: PHP-FPM pool '{st.pool('shop')}'" in err
    rss = _metric(doc, "php.worker_rss_mean")
    assert rss["status"] == "measured" and not (rss["low_confidence"] or "").strip(), rss
    logs = _metric(doc, "php.log_lines_per_request")
    assert [f["path"] for f in logs["evidence"]["files"]] == [
        f"{d}/shop-nginx.log",
        f"{d}/shop-php.log",
        f"{d}/main-fpm.log",
        f"{d}/shop-slow.log",
    ], logs


def test_a_pattern_matching_another_master_is_honoured_with_a_warning(web_stack: Stack, tmp_path: Path) -> None:  # noqa: F811
    cfg = tmp_path / "p.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "target": {"name": "shop", "base_url": f"http://127.0.0.1:{web_stack.shop_port}"},
                "processes": {"app": [f"^php-fpm: pool ({web_stack.pool('shop')}|{web_stack.pool('other')})\\s*$"]},
                "audit": {"load": {"scalability": False}},
            }
        )
    )
    code, doc, err = _audit("--config", str(cfg), tmp=tmp_path)
    assert code in (0, 1), err
    rss = _metric(doc, "php.worker_rss_mean")
    why = rss["low_confidence"] or ""
    assert "do not serve the target" in why, why
    assert f"pool {web_stack.pool('other')}" in why and f"pool {web_stack.pool('shop')}" in why, why


def test_nothing_listening_gives_no_process_figures_with_the_reason(tmp_path: Path) -> None:
    port = free_port()
    code, doc, err = _audit("--url", f"http://127.0.0.1:{port}", tmp=tmp_path)
    assert code == 3, err
    if doc:
        rss = _metric(doc, "php.worker_rss_mean")
        assert rss["status"] != "measured" and "nothing listens" in (rss["reason"] or ""), rss


def test_a_failing_page_names_the_fatal_from_the_discovered_log_and_the_run_keeps_no_line(
    web_stack: Stack,  # noqa: F811
    tmp_path: Path,
) -> None:
    d = web_stack.dir
    run = tmp_path / "run.json"
    code, doc, err = _audit("--url", f"http://127.0.0.1:{web_stack.blog_port}", "--save-run", str(run), tmp=tmp_path)
    assert code in (0, 1), err
    summary = _metric(doc, "http.error_rate")["summary"] or ""
    fatal = f"PHP Fatal error: Uncaught RuntimeException: post N of <email> is gone in {d}/blog-www/index.php:2"
    assert fatal in summary, summary
    top = _metric(doc, "php.log_lines_per_request")["evidence"]["top"]
    assert top[0]["message"] == f"{fatal} [first frame: {d}/blog-www/index.php(3): post()]", top
    assert not [t for t in top if "NOTICE" in t["message"]], top  # perfscore's own -tt never lands in the log
    saved = run.read_text()
    assert "jane.doe" not in saved and "Stack trace" not in saved and "post 4242" not in saved
    assert "hunter2" not in saved and "hunter2" not in (d / "main-fpm.log").read_text()
