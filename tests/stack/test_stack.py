"""The reference LoanFlow stack: real MariaDB, Redis, PHP-FPM and nginx on loopback."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.stack.fixtures import PORTS, STACKCTL, STATE, http, stackctl

pytestmark = [pytest.mark.stack, pytest.mark.untimed]


def test_health_is_green_and_checks_both_dependencies(stack: Path) -> None:
    r = http("/health")
    assert r.status == 200
    body = r.json()
    assert body["status"] == "ok"  # type: ignore[index]
    assert body["checks"]["mariadb"]["ok"] and body["checks"]["redis"]["ok"]  # type: ignore[index]


def test_metrics_is_valid_prometheus_text(stack: Path) -> None:
    http("/api/loans/7")
    r = http("/metrics")
    assert r.status == 200 and r.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(r.body.decode())}
    assert families["loanflow_up"].samples[0].value == 1
    assert any(s.labels.get("endpoint") == "loan" for s in families["loanflow_requests"].samples)


def test_servers_answer_on_their_ports(stack: Path, redis_client, mysql) -> None:  # type: ignore[no-untyped-def]
    assert redis_client.ping() is True
    assert redis_client.config_get("port")["port"] == str(PORTS["redis"])
    with mysql.cursor() as cur:
        cur.execute("SELECT @@port")
        assert cur.fetchone()[0] == PORTS["mysql"]


def test_data_volume(app_mysql) -> None:  # type: ignore[no-untyped-def]
    with app_mysql.cursor() as cur:
        cur.execute(
            "SELECT (SELECT COUNT(*) FROM loans), (SELECT COUNT(*) FROM payments), "
            "(SELECT COUNT(*) FROM payment_schedules), (SELECT COUNT(*) FROM borrowers)"
        )
        loans, payments, schedules, borrowers = cur.fetchone()
    assert loans >= 50_000 and payments >= 500_000 and schedules >= 500_000 and borrowers >= 10_000


def test_endpoints(stack: Path) -> None:
    page = http("/", headers={"Accept-Encoding": "gzip"})
    assert page.status == 200 and b"/static/app.css" in __import__("gzip").decompress(page.body)
    loan = http("/api/loans/42").json()
    assert loan["id"] == 42 and len(loan["schedule"]) == 12  # type: ignore[index]
    loans = http("/api/borrowers/7919/loans?page=1&per_page=2").json()
    assert loans["per_page"] == 2 and len(loans["loans"]) <= 2  # type: ignore[index]
    assert http("/api/search?q=Smith").json()["results"]  # type: ignore[index]
    body = json.dumps({"borrower_id": 5, "amount": 5000, "term_months": 24, "purpose": "car"}).encode()
    created = http("/api/applications", "POST", body, {"Content-Type": "application/json"})
    assert created.status == 201 and created.headers["location"].startswith("/api/applications/")
    bad = http("/api/applications", "POST", b"{}", {"Content-Type": "application/json"})
    assert bad.status == 422
    assert http("/no/such/page").status == 404


def test_login_session_lives_in_redis(stack: Path, redis_client) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"username": "officer7", "password": "loanflow-demo"}).encode()
    r = http("/login", "POST", body, {"Content-Type": "application/json"})
    assert r.status == 200
    sid = r.headers["set-cookie"].split("PHPSESSID=")[1].split(";")[0]
    redis_client.select(2)
    assert redis_client.exists(f"PHPREDIS_SESSION:{sid}")
    me = http("/api/me", headers={"Cookie": f"PHPSESSID={sid}"})
    assert me.status == 200 and me.json()["user_id"] == 7  # type: ignore[index]
    wrong = http(
        "/login",
        "POST",
        json.dumps({"username": "officer7", "password": "x"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert wrong.status == 401


def test_static_assets_have_cache_headers_and_compression(stack: Path) -> None:
    r = http("/static/app.css", headers={"Accept-Encoding": "gzip"})
    assert r.status == 200
    assert "max-age=" in r.headers["cache-control"]
    assert r.headers.get("content-encoding") == "gzip"
    assert "etag" in r.headers


def _stats(client) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    info = client.info("stats")
    return int(info["keyspace_hits"]), int(info["keyspace_misses"])


def test_cache_knob_turns_hits_into_misses(knob, redis_client) -> None:  # type: ignore[no-untyped-def]
    for i in range(20):
        http(f"/api/loans/{100 + i}")  # warm
    h0, m0 = _stats(redis_client)
    for i in range(20):
        http(f"/api/loans/{100 + i}")
    h1, m1 = _stats(redis_client)
    assert h1 - h0 >= 20 and m1 - m0 < 5
    knob(cache="off")
    for _ in range(2):
        for i in range(20):
            http(f"/api/loans/{100 + i}")
    h2, m2 = _stats(redis_client)
    assert m2 - m1 >= 40 and h2 - h1 < 5


def test_missing_index_knob_forces_a_full_scan(knob, mysql) -> None:  # type: ignore[no-untyped-def]
    query = "EXPLAIN SELECT installment_no FROM payment_schedules WHERE loan_id = 42 ORDER BY installment_no"

    def access_type() -> str:
        with mysql.cursor() as cur:
            cur.execute(query)
            cols = [d[0] for d in cur.description]
            return str(dict(zip(cols, cur.fetchone(), strict=True))["type"])

    assert access_type() == "ref"
    knob(missing_index="on")
    assert access_type() == "ALL"


def test_latency_knob_adds_delay(knob) -> None:  # type: ignore[no-untyped-def]
    http("/api/loans/1")
    t0 = time.perf_counter()
    http("/api/loans/1")
    fast = time.perf_counter() - t0
    knob(latency_ms=150)
    t0 = time.perf_counter()
    http("/api/loans/1")
    slow = time.perf_counter() - t0
    assert slow >= 0.15 and slow - fast >= 0.12


def test_error_rate_knob_injects_500s(knob) -> None:  # type: ignore[no-untyped-def]
    knob(error_rate=0.5)
    codes = [http(f"/api/loans/{i}").status for i in range(1, 201)]
    errors = codes.count(500) / len(codes)
    assert 0.35 <= errors <= 0.65, errors
    assert set(codes) <= {200, 500}


def test_fpm_workers_knob(knob) -> None:  # type: ignore[no-untyped-def]
    # Counted at the source, the process table: FPM's own "total processes"
    # figure is unreliable right after bursts (it briefly reported 97 here).
    assert len(_worker_rss_mb()) == 8
    knob(fpm_workers=1)
    assert len(_worker_rss_mb()) == 1
    assert http("/fpm-status?json").json()["process manager"] == "static"  # type: ignore[index]


def _worker_rss_mb() -> list[float]:
    out = []
    for p in psutil.process_iter(["name", "cmdline", "memory_info"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if cmd.startswith("php-fpm: pool loanflow"):
            out.append(p.info["memory_info"].rss / 2**20)
    return out


def test_leak_knob_grows_worker_memory(knob) -> None:  # type: ignore[no-untyped-def]
    knob(fpm_workers=2)
    for _ in range(10):
        http("/api/loans/1")
    before = sum(_worker_rss_mb())
    knob(fpm_workers=2, leak_kb=1024)  # restarts the pool with the leak on
    for _ in range(40):
        http("/api/loans/1")
    after = sum(_worker_rss_mb())
    assert after - before >= 30, (before, after)  # 40 requests x 1 MiB, over 2 workers


def test_monitoring_knob_turns_monitoring_off(knob, mysql, redis_client) -> None:  # type: ignore[no-untyped-def]
    assert "server-timing" in http("/api/loans/1").headers
    knob(monitoring="off")
    for path in ("/health", "/metrics", "/nginx-status", "/fpm-status"):
        assert http(path).status == 404, path
    assert "server-timing" not in http("/api/loans/1").headers
    with mysql.cursor() as cur:
        cur.execute("SELECT @@global.slow_query_log")
        assert cur.fetchone()[0] == 0
    assert redis_client.config_get("latency-monitor-threshold")["latency-monitor-threshold"] == "0"


def test_up_is_idempotent(stack: Path) -> None:
    run = stack / "run"
    pids = {p.name: p.read_text() for p in run.glob("*.pid")}
    res = stackctl("up")
    assert res.returncode == 0 and "already up" in res.stderr
    # Nothing was restarted: the same server processes, not a quick stop-and-start.
    assert pids and {p.name: p.read_text() for p in run.glob("*.pid")} == pids


def test_bad_knob_is_refused(stack: Path) -> None:
    res = stackctl("knob", "cache", "maybe")
    assert res.returncode == 2 and "on or off" in res.stderr
    res = stackctl("knob", "turbo", "on")
    assert res.returncode == 2 and "unknown knob" in res.stderr


def test_taken_port_gives_a_clear_error_and_starts_nothing(stack: Path, tmp_path: Path) -> None:
    # A second stack in another state directory finds the first one's ports taken.
    res = stackctl("up", env={"LOANFLOW_STACK_STATE": str(tmp_path)})
    assert res.returncode == 1
    assert f"{PORTS['mysql']} is already in use" in res.stderr
    assert not list((tmp_path / "run").glob("*.pid")) if (tmp_path / "run").exists() else True
    assert http("/health").status == 200  # the running stack is untouched


def test_half_started_stack_is_completed(stack: Path) -> None:
    pid = int((STATE / "run" / "nginx.pid").read_text())
    psutil.Process(pid).terminate()
    psutil.Process(pid).wait(10)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", PORTS["http"])) != 0
    res = stackctl("up")
    assert res.returncode == 0, res.stderr
    assert "starting nginx" in res.stderr and "starting mariadb" not in res.stderr
    assert http("/health").status == 200


def test_failed_completion_leaves_nothing_half_running(stack: Path) -> None:
    # Our nginx is down and a foreign process holds its port: `up` cannot complete the
    # stack, so it says why, exits non-zero and stops the parts that were running.
    pid = int((STATE / "run" / "nginx.pid").read_text())
    psutil.Process(pid).terminate()
    psutil.Process(pid).wait(10)
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", PORTS["http"]))
    squatter.listen()
    try:
        res = stackctl("up")
        assert res.returncode == 1
        assert f"{PORTS['http']} is already in use" in res.stderr and "Traceback" not in res.stderr
        status = stackctl("status")
        assert status.returncode == 1
        assert "running" not in status.stdout.split("health")[0]
    finally:
        squatter.close()
    res = stackctl("up")
    assert res.returncode == 0, res.stderr
    assert http("/health").status == 200


def test_a_package_that_fails_to_install_is_a_clear_error(tmp_path: Path) -> None:
    # apt-get is replaced by one that fails as apt does for an unknown package; the
    # binaries are made to look missing so stackctl must install.
    import importlib.machinery
    import importlib.util
    import os

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text(
        '#!/bin/sh\n[ "$1" = update ] && exit 0\necho "E: Unable to locate package mariadb-server" >&2\nexit 100\n'
    )
    (fake / "apt-get").chmod(0o755)
    loader = importlib.machinery.SourceFileLoader("stackctl_under_test", str(STACKCTL))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    mod.binaries = lambda: {"mariadbd": None, "redis": "/usr/bin/redis-server"}
    old_path = os.environ["PATH"]
    os.environ["PATH"] = f"{fake}:{old_path}"
    try:
        with pytest.raises(mod.StackError) as err:
            mod.ensure_packages()
    finally:
        os.environ["PATH"] = old_path
    msg = str(err.value)
    assert "installing Debian packages failed" in msg and "apt-get install" in msg
    assert "Unable to locate package" in msg


def _payments() -> int:
    from tests.stack.fixtures import connect_mysql

    conn = connect_mysql("loanflow", "mysql-app")  # the app's user: perfscore's may read no app row
    with conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM payments")
        return int(cur.fetchone()[0])


def test_tiny_dataset_knob_swaps_the_data_and_up_reconciles_what_changed_while_down(knob) -> None:  # type: ignore[no-untyped-def]
    full = _payments()
    assert full >= 500_000
    knob(tiny_dataset="on")
    assert 0 < _payments() < 2_000
    assert http("/api/loans/4242").status == 200  # the audited pages still find their rows
    # MariaDB stops with the tiny tables in place; the knob is turned off while it is down.
    pid = int((STATE / "run" / "mysqld.pid").read_text())
    psutil.Process(pid).terminate()
    psutil.Process(pid).wait(60)
    res = stackctl("knob", "tiny_dataset", "off")
    assert res.returncode == 0, res.stderr
    res = stackctl("up")
    assert res.returncode == 0, res.stderr
    assert "full dataset" in res.stderr and _payments() == full  # nothing lost, and the data matches the knob
    res = stackctl("knob", "tiny_dataset", "off")  # asking again changes nothing
    assert res.returncode == 0 and "full dataset" not in res.stderr, res.stderr


def test_init_fits_the_reference_app_while_another_fpm_master_runs(tmp_path: Path) -> None:
    """`init --url` writes LoanFlow's real GET routes (crawled, not a template; never its POST), patterns
    that match this stack's servers and pool only - while a second PHP-FPM master with another pool runs -
    and the logs its servers name; `config check` then passes on what it wrote."""
    import re
    import shutil
    import subprocess

    import yaml

    from perfscore.config import load_config
    from perfscore.gatherers.memory import processes_matching
    from tests.conftest import perfscore
    from tests.stack.fixtures import secret

    fpm = next(shutil.which(n) for n in ("php-fpm8.2", "php-fpm8.3", "php-fpm") if shutil.which(n))
    conf = tmp_path / "other-fpm.conf"
    conf.write_text(
        f"[global]\npid = {tmp_path}/other.pid\nerror_log = {tmp_path}/other.log\ndaemonize = no\n"
        f"[shop]\nuser = root\ngroup = root\nlisten = {tmp_path}/other.sock\npm = static\npm.max_children = 2\n"
    )
    other = subprocess.Popen([fpm, "--fpm-config", str(conf), "--allow-to-run-as-root"], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "other.sock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        out = tmp_path / "p.yaml"
        res = perfscore(
            "init", str(out), "--url", f"http://127.0.0.1:{PORTS['http']}",
            "--mysql-port", str(PORTS["mysql"]), "--redis-port", str(PORTS["redis"]),
            env={"PERFSCORE_MYSQL_PASSWORD": secret("mysql-perfscore")},
        )  # fmt: skip
        assert res.code == 0, res.err
        cfg = load_config(out)
        assert cfg.processes is not None and cfg.processes.app == ["^php-fpm: pool loanflow\\s*$"], res.err
        workers = processes_matching(cfg.processes.app, [], tmp_path)
        assert len(workers) == 8, workers  # the stack's pool, not Bookshelf's nor the shop's
        assert all(" ".join(w.cmdline()).startswith("php-fpm: pool loanflow") for w in workers.values())
    finally:
        other.terminate()
        other.wait(10)
    assert processes_matching(cfg.processes.cache, [], tmp_path), "init's cache pattern matches no server"
    mysqld = psutil.Process(int((STATE / "run" / "mysqld.pid").read_text()))
    others = [p for p in psutil.process_iter(["cmdline"]) if p.pid != mysqld.pid and p.info["cmdline"]]
    (db,) = cfg.processes.database
    assert re.search(db, " ".join(mysqld.cmdline())), db  # this server ...
    assert not [p.pid for p in others if re.search(db, " ".join(p.info["cmdline"]))]  # ... and no other
    # The routes: LoanFlow's own GET pages and APIs, found from its pages; its POST never in the mix.
    paths = [e.path for e in cfg.endpoints]
    assert all(e.method == "GET" for e in cfg.endpoints) and "/" in paths, paths
    assert any(p.startswith("/api/") for p in paths), paths
    assert "/api/applications" not in paths, paths
    # The logs its servers name.
    logs = {str(p) for p in cfg.logs}
    assert {str(STATE / "logs" / n) for n in ("php-errors.log", "nginx-error.log")} <= logs, logs
    assert "fail_on: [critical]" in out.read_text()
    # What init wrote passes config check, with the password the README says to export.
    data = yaml.safe_load(out.read_text())
    data["redis"]["password_file"] = str(STATE / "secrets" / "redis.pw")
    data["redis"].pop("password_env", None)
    out.write_text(yaml.safe_dump(data))
    check = perfscore(
        "config", "check", "--config", str(out), env={"PERFSCORE_MYSQL_PASSWORD": secret("mysql-perfscore")}
    )
    assert check.code == 0, check.out + check.err


def test_init_without_a_reachable_target_keeps_the_defaults_and_says_why(tmp_path: Path) -> None:
    from tests.conftest import perfscore

    out = tmp_path / "p.yaml"
    res = perfscore("init", str(out), "--url", "http://127.0.0.1:9", "--mysql-port", "9")
    assert res.code == 0 and "kept the default pattern" in res.err and "no process listening on port 9" in res.err
    assert 'app: ["php-fpm: pool"]' in out.read_text()
    assert perfscore("init", str(tmp_path / "q.yaml"), "--url", "ftp://x").code == 2
