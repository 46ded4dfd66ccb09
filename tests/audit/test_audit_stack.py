"""`perfscore audit` against the real reference stack: each knob moves its category."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import perfscore
from tests.stack.fixtures import AUDIT_CONFIG, STATE, Audited, stackctl

pytestmark = [pytest.mark.stack, pytest.mark.slow]


def _config(tmp: Path, *, scalability: bool = False, duration: float = 2, **audit_load: Any) -> Path:
    cfg = yaml.safe_load(AUDIT_CONFIG.read_text())
    cfg["audit"]["duration_s"] = duration
    cfg["audit"]["load"]["scalability"] = scalability
    cfg["audit"]["load"].update(audit_load)
    path = tmp / "perfscore.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def audit(cfg: Path, *extra: str) -> dict[str, Any]:
    res = perfscore("audit", "--config", str(cfg), "--format", "json", *extra, timeout=240)
    assert res.code in (0, 1), res.err
    assert "Traceback" not in res.err
    doc: dict[str, Any] = json.loads(res.out)
    return doc


def cats(doc: dict[str, Any]) -> dict[str, float]:
    return {c["id"]: c["score"] for c in doc["categories"]}


def metric(doc: dict[str, Any], mid: str) -> dict[str, Any]:
    return next(m for c in doc["categories"] for m in c["metrics"] if m["id"] == mid)


@contextlib.contextmanager
def knobs(**values: object) -> Iterator[None]:
    """The stack's knobs set for one shared audit and reset as soon as it ends, whatever happened: the
    audit's document outlives the knobs, so the module's other tests see the healthy stack."""
    res = stackctl("knob", *[str(x) for kv in values.items() for x in kv])
    assert res.returncode == 0, res.stderr
    try:
        yield
    finally:
        res = stackctl("knob", "reset")
        assert res.returncode == 0, res.stderr


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory, stack: Path) -> Path:
    return _config(tmp_path_factory.mktemp("audit"))


# The untimed tests count errors, read logs and give advice: an open model of 100 requests a second is 200
# requests in the 2 s window, and spares the CPU make test's first phase shares with the server tier (an
# audit of the stack at 8 users flat out used 7.7 CPU-s of the machine, at 100 req/s ~3.5; /proc/stat).
UNTIMED_RATE = 100


@pytest.fixture(scope="module")
def untimed_cfg(tmp_path_factory: pytest.TempPathFactory, stack: Path) -> Path:
    return _config(tmp_path_factory.mktemp("untimed-audit"), rate=UNTIMED_RATE)


@pytest.fixture(scope="module")
def baseline(healthy_audit: Audited) -> dict[str, Any]:
    return healthy_audit.doc  # the session's one audit of the healthy stack, with this module's settings


def test_baseline_measures_every_configured_category(baseline: dict[str, Any]) -> None:
    c = cats(baseline)
    assert c["caching"] >= 90 and c["monitoring"] >= 90 and c["error_handling"] >= 90
    # The reference stack answers in milliseconds; the rubric's 50-point p95 (600 ms) is two orders
    # of magnitude away, so only a broken stack or engine crosses it, however loaded the machine.
    p95 = metric(baseline, "http.p95_latency")
    assert p95["status"] == "measured" and p95["value"] < 600, p95
    measured = {m["id"] for cat in baseline["categories"] for m in cat["metrics"] if m["status"] == "measured"}
    assert {
        "mysql.innodb_read_efficiency",
        "redis.hit_ratio",
        "php.worker_rss_mean",
        "http.p95_latency",
        "monitoring.health_endpoint",
        "http.static_cache_headers",
        "host.cpu_utilisation",
        "php.opcache",
        "php.fpm_memory_fit",
    } <= measured
    # Single-user figures: LoanFlow's cached API answers take a few ms alone, so a page cache would save
    # little: measured, each endpoint timed alone. Its 10 ms target is met on a quiet machine; a CI run
    # beside other work measured more (a single view queued behind other processes), so the bound here is
    # the rubric's p10 (50 ms), four times under a slow page's 200 ms; not a fix whenever the target is met.
    page_cache = metric(baseline, "http.page_cache")
    assert page_cache["status"] == "measured" and page_cache["value"] < 50, page_cache
    if page_cache["meets_target"]:
        assert "http.page_cache" not in {i["metric"] for i in baseline["roadmap"]}
    alone = metric(baseline, "http.p95_latency")["evidence"]["alone_ttfb_ms"]
    assert set(alone) == {"dashboard", "loan", "loan_b", "borrower_loans", "search"}, alone
    cpu = metric(baseline, "host.cpu_utilisation")["evidence"]
    assert 0 < cpu["window_utilisation"] <= 1 and 0 < cpu["perfscore_utilisation"] < 1, cpu
    assert cpu["processes_cpu_s"]["app"] > 0 and cpu["processes_cpu_s"]["database"] >= 0, cpu
    # Persistent connections: no connection churn to advise on, and too few new connections for a
    # thread-cache verdict (issue: "Reuse server threads" from 7 connections in 25,000 requests).
    assert metric(baseline, "mysql.connections_per_request")["value"] < 0.01
    assert "mysql.thread_cache_hit_ratio" not in {i["metric"] for i in baseline["roadmap"]}
    assert metric(baseline, "redis.reads_per_request")["value"] > 0.3  # the reference app caches its reads
    not_measured = {n["metric"] for n in baseline["not_measured"]}
    assert {"load.max_throughput", "load.max_concurrency"} <= not_measured  # ramp off in this config


# Knobs that touch different parts of the stack share one audit (a full audit is the suite's unit of
# cost): each test below reads its own figures from the shared audit, as if its knob were alone.
# Knobs that move the same figures (the score cap, the first roadmap item) keep audits of their own.
@pytest.fixture(scope="module")
def worker_knobs(cfg: Path, stack: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """A leaking worker, OPcache off and an N+1 loop on the dashboard: three faults of the PHP code; and the
    JSON API sent uncompressed while pages and assets stay gzipped (a location without gzip)."""
    saved = tmp_path_factory.mktemp("worker-knobs") / "run.json"
    with knobs(leak_kb=512, opcache="off", n_plus_one="on", api_compression="off"):
        return audit(cfg, "--save-run", str(saved)), saved


@pytest.fixture(scope="module")
def site_knobs(cfg: Path, stack: Path) -> dict[str, Any]:
    """Monitoring off, compression off, secrets served and a tiny dataset: what the site shows and holds;
    and cache off with a new database connection per page. Pages stay fast on the tiny dataset, so the
    window holds enough cache reads and connections for a verdict (beside a slow full scan it did not)."""
    with knobs(monitoring="off", compression="off", exposed="on", tiny_dataset="on", cache="off", persistent_db="off"):
        return audit(cfg)


@pytest.fixture(scope="module")
def request_knobs(cfg: Path, stack: Path) -> dict[str, Any]:
    """400 ms added to every API request, and the loan-schedule index dropped (its full scan is found by
    EXPLAIN of the configured query, whatever the traffic)."""
    with knobs(latency_ms=400, missing_index="on"):
        return audit(cfg)


def test_cache_off_lowers_caching_and_names_the_hit_ratio(baseline: dict[str, Any], site_knobs: dict[str, Any]) -> None:
    doc = site_knobs
    assert cats(doc)["caching"] < cats(baseline)["caching"] - 20
    assert metric(doc, "redis.hit_ratio")["value"] < 0.2
    assert "redis.hit_ratio" in {i["metric"] for i in doc["roadmap"]}


def test_missing_index_lowers_database_and_names_the_statement(
    baseline: dict[str, Any], request_knobs: dict[str, Any]
) -> None:
    doc = request_knobs
    assert cats(doc)["database"] < cats(baseline)["database"] - 5
    item = next(i for i in doc["roadmap"] if i["metric"] == "mysql.full_scan_statements")
    assert "payment_schedules" in item["detail"] and "loan_id = 4242" in item["detail"]


def test_a_connection_per_page_is_named(site_knobs: dict[str, Any]) -> None:
    per = metric(site_knobs, "mysql.connections_per_request")  # every page reads the database, anew
    assert per["status"] == "measured" and per["value"] >= 0.5, per
    item = next(i for i in site_knobs["roadmap"] if i["metric"] == "mysql.connections_per_request")
    assert "the app connects per page" in item["detail"] and item["title"] == "Reuse database connections"


def app_truth(evidence: dict[str, Any]) -> tuple[int, int, int]:
    """What the reference app itself counted over the audit's counter window (stack/app/src/bootstrap.php
    writes a line per request: time, statements, new connections or -1): requests, statements, connections."""
    began, ended = evidence["window_began"], evidence["window_ended"]
    requests = statements = connections = 0
    for line in (STATE / "logs" / "loanflow-truth.log").read_text().splitlines():
        t, n, c, _ = line.split(" ", 3)
        if began <= float(t) <= ended:
            requests, statements, connections = requests + 1, statements + int(n), connections + int(c)
    assert requests >= 100, (requests, began, ended)
    return requests, statements, connections


def test_per_request_figures_are_the_apps_own_count(baseline: dict[str, Any], site_knobs: dict[str, Any]) -> None:
    """Statements and connections per request equal what the app counted, within 3 %, with every probe of
    the audit running as usual: the probes' own requests and statements stay out of the window."""
    for doc in (baseline, site_knobs):
        queries = metric(doc, "mysql.queries_per_request")
        requests, statements, _ = app_truth(queries["evidence"])
        assert queries["evidence"]["requests"] == pytest.approx(requests, rel=0.03), (queries, requests)
        assert queries["value"] == pytest.approx(statements / requests, rel=0.03), (queries, statements, requests)
    per = metric(site_knobs, "mysql.connections_per_request")  # a new connection per page: countable
    requests, _, connections = app_truth(per["evidence"])
    assert connections > 0 and per["value"] == pytest.approx(connections / requests, rel=0.03), (per, connections)


def test_leaking_worker_lowers_memory(baseline: dict[str, Any], worker_knobs: tuple[dict[str, Any], Path]) -> None:
    doc, _ = worker_knobs
    assert cats(doc)["memory"] < cats(baseline)["memory"] - 15
    assert metric(doc, "php.worker_memory_growth")["value"] > 1.2


def test_an_n_plus_one_page_is_named_by_its_statement(
    baseline: dict[str, Any], worker_knobs: tuple[dict[str, Any], Path]
) -> None:
    doc, _ = worker_knobs
    healthy = metric(baseline, "mysql.queries_per_request")
    assert healthy["summary"] is None, healthy
    loop = metric(doc, "mysql.queries_per_request")
    # The dashboard is 1 request in 12 of the traffic mix: 100 more statements there is ~8 more per request.
    assert loop["value"] > healthy["value"] + 5, (loop["value"], healthy["value"])
    top = loop["evidence"]["top_statements"][0]
    assert "FROM `loans` WHERE ID = ?" in top["statement"] and top["per_request"] >= 5, top
    assert "N+1 loop" in loop["summary"], loop["summary"]
    assert metric(doc, "mysql.connections_per_request")["value"] < 0.01  # still one persistent connection


def test_opcache_off_is_named_and_the_pool_is_sized_against_memory(
    baseline: dict[str, Any], worker_knobs: tuple[dict[str, Any], Path]
) -> None:
    on = metric(baseline, "php.opcache")
    assert on["value"] is True and on["evidence"]["source"] == "opcache_get_status()", on
    fit = metric(baseline, "php.fpm_memory_fit")
    assert (
        fit["status"] == "measured" and fit["evidence"]["max_children"] == 8 and fit["evidence"]["pool"] == "loanflow"
    )
    doc, saved = worker_knobs
    off = metric(doc, "php.opcache")
    assert off["value"] is False and "OPcache is off" in off["summary"], off
    # Compiling every file on every request costs CPU (the N+1 loop and the leak add more, never less).
    cpu_on = metric(baseline, "host.cpu_utilisation")["evidence"]["cpu_ms_per_request"]
    cpu_off = metric(doc, "host.cpu_utilisation")["evidence"]["cpu_ms_per_request"]
    assert cpu_off > 1.3 * cpu_on, (cpu_on, cpu_off)
    assert "php.opcache" in {i["metric"] for i in doc["roadmap"]}
    # The pool's configuration is read from php-fpm -tt, whose other lines hold the Redis password.
    run = saved.read_text()
    assert '"pm.max_children": "8"' in run and "session.save_path" not in run and "auth=" not in run


def test_monitoring_off_lowers_monitoring(baseline: dict[str, Any], site_knobs: dict[str, Any]) -> None:
    assert cats(site_knobs)["monitoring"] < cats(baseline)["monitoring"] - 50
    assert metric(site_knobs, "monitoring.health_endpoint")["value"] is False


def test_a_served_env_file_and_dump_are_a_critical_finding(
    baseline: dict[str, Any], site_knobs: dict[str, Any]
) -> None:
    assert metric(baseline, "http.no_exposed_files")["value"] is True  # the healthy stack has no critical finding
    doc = site_knobs
    found = metric(doc, "http.no_exposed_files")
    assert found["value"] is False and "/.env (secrets in an environment file" in found["summary"], found
    assert "/backup.sql (SQL dump)" in found["summary"]
    assert "not-a-real-password" not in json.dumps(doc)  # the kind of secret, never its content
    assert doc["score"] <= 49 and "serves secrets" in doc["verdict"][0], doc["verdict"]
    assert doc["roadmap"][0]["metric"] == "http.no_exposed_files" and doc["roadmap"][0]["critical"]


def test_compression_off_is_named_in_the_payload(baseline: dict[str, Any], site_knobs: dict[str, Any]) -> None:
    healthy = metric(baseline, "http.text_compression")
    assert healthy["value"] == 1.0 and healthy["evidence"]["text_answers"] >= 2, healthy
    doc = site_knobs
    plain = metric(doc, "http.text_compression")
    assert plain["value"] == 0.0 and "/static/app.css" in plain["summary"], plain
    assert plain["score"] == 0.0 and "http.text_compression" in {i["metric"] for i in doc["roadmap"]}
    heavier = metric(doc, "http.page_weight")["value"]
    assert heavier > metric(baseline, "http.page_weight")["value"] + 3  # ~6 KB of CSS/JS now sent as is
    assert metric(doc, "http.static_cache_headers")["value"] == metric(baseline, "http.static_cache_headers")["value"]


def test_a_tiny_dataset_makes_database_speed_low_confidence(
    baseline: dict[str, Any], site_knobs: dict[str, Any]
) -> None:
    speed = ("mysql.query_p95_latency", "mysql.innodb_read_efficiency", "mysql.full_scan_statements")
    assert not any("dataset too small" in (metric(baseline, m)["low_confidence"] or "") for m in speed)
    assert not any("dataset too small" in line for line in baseline["verdict"])
    rows = metric(baseline, "mysql.innodb_read_efficiency")["evidence"]["dataset"]["largest"][0]["rows"]
    assert rows > 100_000, rows
    doc = site_knobs
    for mid in speed:
        assert "dataset too small to judge" in (metric(doc, mid)["low_confidence"] or ""), metric(doc, mid)
    shared = [line for line in doc["verdict"] if "dataset too small to judge" in line]
    assert len(shared) == 1 and shared[0].endswith("audit with production-like data."), doc["verdict"]
    assert int(shared[0].split()[0]) >= 3, shared  # "6 figures are low-confidence: dataset too small …"
    dataset = metric(doc, "mysql.innodb_read_efficiency")["evidence"]["dataset"]
    assert dataset["tables"] == 7 and dataset["largest"][0]["rows"] < 10_000, dataset
    assert metric(doc, "http.error_rate")["value"] < 0.01  # the audited pages still find their rows
    assert "dataset" not in (metric(doc, "mysql.connections_used_ratio")["low_confidence"] or "")  # not of data size


def test_an_uncompressed_json_api_is_named_by_route(worker_knobs: tuple[dict[str, Any], Path]) -> None:
    doc, _ = worker_knobs
    comp = metric(doc, "http.text_compression")
    named = [u["name"] for u in comp["evidence"]["uncompressed"]]
    assert comp["value"] < 1.0 and any("/api/" in n for n in named), comp
    assert all(u["route"] for u in comp["evidence"]["uncompressed"]), comp  # the page and its assets stay gzipped
    assert "sent uncompressed: " in comp["summary"] and "/api/" in comp["summary"], comp


def test_a_slow_page_the_same_for_everyone_is_a_page_cache_item_with_its_gain(request_knobs: dict[str, Any]) -> None:
    """400 ms on every API answer, identical for every visitor, no cookie: a page cache would save ~400 ms."""
    cache = metric(request_knobs, "http.page_cache")
    assert cache["status"] == "measured" and cache["value"] >= 300, cache
    item = next(i for i in request_knobs["roadmap"] if i["metric"] == "http.page_cache")
    assert item["saving_ms"] >= 300 and "ms per request" in item["saving"], item


def test_added_latency_lowers_response_time(baseline: dict[str, Any], request_knobs: dict[str, Any]) -> None:
    # p95 at 400 ms scores ~0.7; response time also holds compression, page weight and OPcache, unchanged here.
    assert cats(request_knobs)["response_time"] < cats(baseline)["response_time"] - 15
    assert metric(request_knobs, "http.p95_latency")["value"] >= 400


@pytest.mark.untimed  # errors and logs, not times: beside the other tiers in make test's first phase
def test_error_injection_lowers_error_handling(tmp_path: Path, knob) -> None:  # type: ignore[no-untyped-def]
    # Alone: failing requests make other figures invalid, and beside added latency too few would fail. At
    # 400 requests a second (up to 800 in the window, fewer when the loaded machine falls behind) the share
    # that fails lies within 4 standard deviations of 5 % but for one run in ~16,000 (binomial).
    knob(error_rate=0.05)
    doc = audit(_config(tmp_path, rate=400))
    # The healthy stack's error handling scores 100 here (at least 90: test_baseline_measures_every_configured_
    # category); 5 % of requests failing costs it more than 30 points.
    assert cats(doc)["error_handling"] < 70
    errors = metric(doc, "http.error_rate")
    sent = errors["evidence"]["requests"]
    assert sent >= 200, errors
    assert abs(errors["value"] - 0.05) <= 4 * (0.05 * 0.95 / sent) ** 0.5, errors


@pytest.mark.untimed  # errors and logs, not times: beside the other tiers in make test's first phase
def test_a_mostly_failing_app_gets_a_failing_verdict(untimed_cfg: Path, knob, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Every /api/ request answers 500: with the dashboard still served, about 11 of 12 requests fail.
    knob(error_rate=1.0)
    run = tmp_path / "run.json"
    doc = audit(untimed_cfg, "--save-run", str(run))
    assert metric(doc, "http.error_rate")["value"] > 0.5
    assert doc["score"] <= 20 and doc["verdict"] and "capped at 20" in doc["verdict"][0], doc["verdict"]
    first = doc["roadmap"][0]
    assert first["metric"] == "http.error_rate" and first["critical"] and first["phase"] == 0, first
    for mid in ("http.p95_latency", "http.mean_latency", "php.worker_rss_mean"):
        assert metric(doc, mid)["status"] == "invalid", metric(doc, mid)
    response = next(c for c in doc["categories"] if c["id"] == "response_time")
    assert response["priority"] != "Done" and response["score"] < 50
    for fmt, opener in (("terminal", "✖ The app failed"), ("markdown", "> 🛑 **The app failed")):
        text = perfscore("score", str(run), "--format", fmt).out
        assert opener in "\n".join(text.splitlines()[:4]), text[:500]


@pytest.mark.untimed  # counts and advice, not times: beside the other tiers in make test's first phase
def test_an_app_without_cache_code_is_told_to_cache_not_to_tune_redis(untimed_cfg: Path, knob, redis_client) -> None:  # type: ignore[no-untyped-def]
    knob(use_redis="off")
    # Another client warmed this Redis minutes ago: its lifetime hits are not the app's cache.
    redis_client.set("perfscore-test:warm", "1")
    for _ in range(2000):
        redis_client.get("perfscore-test:warm")
    doc = audit(untimed_cfg)
    hit = metric(doc, "redis.hit_ratio")
    assert hit["status"] == "not_applicable" and "no commands" in hit["reason"], hit
    per = metric(doc, "redis.reads_per_request")
    assert per["status"] == "measured" and per["value"] < 0.01, per
    assert "caches nothing" in per["summary"]
    items = [i["metric"] for i in doc["roadmap"]]
    assert "redis.reads_per_request" in items
    tuning = {"redis.evicted_keys", "redis.eviction_policy_ok", "redis.latency_monitor", "redis.maxmemory_used_ratio"}
    assert not tuning & set(items), items
    for mid in tuning:
        assert metric(doc, mid)["status"] == "not_applicable", metric(doc, mid)
    # The app's own caching scores nothing; what is left of the category is the static files' headers and
    # the page-cache opportunity, which do not depend on Redis (the home page's speed moves the latter).
    assert per["score"] == 0, per
    caching = next(c for c in doc["categories"] if c["id"] == "caching")
    assert caching["score"] < 65, [(m["id"], m.get("value"), m.get("score"), m["weight"]) for m in caching["metrics"]]


def test_a_rate_limiter_is_throttling_not_app_errors(tmp_path: Path, stack: Path, knob) -> None:  # type: ignore[no-untyped-def]
    knob(rate_limit=30)  # nginx answers 403 past 30 requests a minute, as a real deployment's limiter did
    # Audited gently first (open model, 3 requests/s: the limiter's fresh burst covers the audit) ...
    (tmp_path / "gentle").mkdir()
    gentle = audit(_config(tmp_path / "gentle", duration=2, rate=3))
    assert metric(gentle, "http.not_throttled")["value"] is True, metric(gentle, "http.not_throttled")
    assert metric(gentle, "http.error_rate")["value"] == 0
    # ... then at the default pace: the limiter refuses most requests, and that is not the app failing.
    doc = audit(_config(tmp_path, duration=2))
    throttle = metric(doc, "http.not_throttled")
    assert throttle["value"] is False and "throttled the audit" in throttle["summary"], throttle
    first = doc["roadmap"][0]
    assert first["metric"] == "http.not_throttled" and first["critical"], doc["roadmap"][:2]
    errors = metric(doc, "http.error_rate")
    assert errors["value"] < 0.05 and errors["evidence"]["throttled"] > 100, errors  # not the app's errors


@pytest.mark.untimed  # a loaded machine only thins the window further: in make test's first phase
def test_a_tiny_window_gives_no_verdict_on_thin_ratios(tmp_path: Path, stack: Path) -> None:
    doc = audit(_config(tmp_path, duration=0.5))
    thin = {n["metric"]: n["reason"] for n in doc["insufficient"]}
    assert "mysql.thread_cache_hit_ratio" in thin and "needed for a verdict" in thin["mysql.thread_cache_hit_ratio"]
    items = {i["metric"] for i in doc["roadmap"]}
    assert not items & set(thin), items & set(thin)  # no fix rests on too little data
    assert metric(doc, "mysql.thread_cache_hit_ratio")["score"] is None


@pytest.mark.untimed  # errors and logs, not times: beside the other tiers in make test's first phase
def test_a_fatal_error_on_every_page_is_diagnosed_from_the_logs(untimed_cfg: Path, knob) -> None:  # type: ignore[no-untyped-def]
    knob(fatal="on")
    doc = audit(untimed_cfg)
    assert doc["score"] <= 20 and "capped at 20" in doc["verdict"][0], doc["verdict"]
    first = doc["roadmap"][0]
    assert first["metric"] == "http.error_rate" and first["critical"], first
    # The message as a template: whitespace runs made one space, line numbers made placeholders.
    assert "logged: PHP Fatal error: Cannot redeclare getCurrentUser()" in first["detail"], first["detail"]
    assert re.search(r"getCurrentUser\(\).* ×[\d,]+", first["detail"]), first["detail"]


@pytest.mark.untimed  # errors and logs, not times: beside the other tiers in make test's first phase
def test_silent_500s_say_that_nothing_was_logged(untimed_cfg: Path, knob) -> None:  # type: ignore[no-untyped-def]
    knob(silent_errors="on")
    doc = audit(untimed_cfg)
    first = doc["roadmap"][0]
    assert first["metric"] == "http.error_rate" and doc["score"] <= 20, first
    assert "nothing was logged" in first["detail"] and "500 pages are empty" in first["detail"], first["detail"]


def test_too_few_workers_lowers_scalability(tmp_path: Path, stack: Path, knob) -> None:  # type: ignore[no-untyped-def]
    cfg = _config(tmp_path, scalability=True, duration=2, ramp=[1, 8, 32], step_s=0.6)
    healthy = audit(cfg)
    peak_db = metric(healthy, "mysql.peak_queries_per_second")
    assert peak_db["status"] == "measured" and peak_db["value"] > 0, peak_db
    assert "mysql.peak_queries_per_second" not in {i["metric"] for i in healthy["roadmap"]}  # weight 0: no fix
    knob(fpm_workers=1, latency_ms=20)
    starved = audit(cfg)
    assert metric(starved, "load.max_throughput")["status"] == "measured", starved["not_measured"]
    assert cats(starved)["scalability"] < cats(healthy)["scalability"] - 10
    assert metric(starved, "load.max_throughput")["value"] < metric(healthy, "load.max_throughput")["value"] / 2


def test_server_reported_figures_agree(baseline: dict[str, Any], mysql) -> None:  # type: ignore[no-untyped-def]
    with mysql.cursor() as cur:
        cur.execute("SELECT @@max_connections, @@slow_query_log")
        max_conn, slow_log = cur.fetchone()
        cur.execute("SHOW GLOBAL STATUS LIKE 'Max_used_connections'")
        max_used = int(cur.fetchone()[1])
    conn = metric(baseline, "mysql.connections_used_ratio")
    assert conn["evidence"]["max_connections"] == max_conn
    assert conn["evidence"]["max_used_connections"] <= max_used
    assert conn["value"] == pytest.approx(conn["evidence"]["max_used_connections"] / max_conn, abs=1e-6)
    assert metric(baseline, "mysql.slow_query_log")["value"] is bool(slow_log)
    eff = metric(baseline, "mysql.innodb_read_efficiency")
    counters = eff["evidence"]["counters"]
    req = counters["Innodb_buffer_pool_read_requests"]
    total = counters["Innodb_buffer_pool_read_requests+Innodb_buffer_pool_reads"]
    assert eff["value"] == pytest.approx(req / total, abs=1e-6)


# Not untimed: its scans would land in the slow log the untimed field test reads over the 30 s before its own.
def test_slow_log_finds_full_scans_the_app_runs(tmp_path: Path, stack: Path, knob) -> None:  # type: ignore[no-untyped-def]
    # No configured queries: only what the app itself ran during the window (cache off, so
    # reads reach MariaDB) can show the scan the missing index causes. PDO's server-side
    # prepared statements leave no digest in MariaDB, so the slow log (log_output=TABLE)
    # plus EXPLAIN is what finds it here.
    cfg_path = _config(tmp_path)
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["mysql"]["queries"] = {}
    cfg_path.write_text(yaml.safe_dump(cfg))
    knob(cache="off", missing_index="on")
    doc = audit(cfg_path)
    full = metric(doc, "mysql.full_scan_statements")
    assert "EXPLAIN" not in full["evidence"]["sources"] and "slow_log" in full["evidence"]["sources"]
    assert full["value"] >= 1
    found = full["evidence"]["statements"][0]
    assert found["table"] == "payment_schedules" and "loan_id" in found["statement"]
    assert found["rows"] >= 100_000


def test_a_cpu_bound_host_is_told_to_cut_work_not_to_add_workers(tmp_path: Path, stack: Path, knob) -> None:  # type: ignore[no-untyped-def]
    # 15 ms of CPU per API request on 2 cores: the CPU runs out long before PHP-FPM's 8 workers do.
    knob(cpu_burn_ms=15)
    doc = audit(_config(tmp_path, scalability=True, duration=2, ramp=[1, 8, 32], step_s=1.0))
    steps = metric(doc, "load.max_throughput")["evidence"]["steps"]
    assert any((st["host_busy"] or 0) >= 0.9 for st in steps), steps
    item = next(i for i in doc["roadmap"] if i["metric"] == "load.max_throughput")
    assert item["action"].startswith("Do not add workers: this host's CPU was"), item
    assert "Add PHP-FPM workers" not in item["action"]
    assert metric(doc, "host.cpu_utilisation")["value"] > 1.0  # ~15 ms per request: far past 70 % at 1,000 req/s


@pytest.mark.untimed  # errors and logs, not times: beside the other tiers in make test's first phase
def test_patterns_that_match_two_fpm_masters_warn_that_figures_mix_apps(tmp_path: Path, stack: Path) -> None:
    import shutil
    import subprocess
    import time

    fpm = next(
        (shutil.which(n) for n in ("php-fpm8.2", "php-fpm8.3", "php-fpm", "php-fpm8.1") if shutil.which(n)), None
    )
    assert fpm, "the stack's PHP-FPM binary"
    conf = tmp_path / "other-fpm.conf"
    conf.write_text(
        f"[global]\npid = {tmp_path}/other.pid\nerror_log = {tmp_path}/other.log\ndaemonize = no\n"
        f"[other]\nuser = root\ngroup = root\nlisten = {tmp_path}/other.sock\npm = static\npm.max_children = 2\n"
    )
    other = subprocess.Popen([fpm, "--fpm-config", str(conf), "--allow-to-run-as-root"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):  # until its workers exist
            if (tmp_path / "other.sock").exists():
                break
            time.sleep(0.1)
        cfg = _config(tmp_path, duration=2, rate=UNTIMED_RATE)
        doc_cfg = yaml.safe_load(cfg.read_text())
        # As broad as `init`'s default ("php-fpm: pool") over the pools of these two masters; the server tier's
        # tests, beside this one in make test, start PHP-FPM masters of their own that it would match too.
        doc_cfg["processes"]["app"] = ["php-fpm: pool (loanflow|bookshelf|other)\\b"]
        cfg.write_text(yaml.safe_dump(doc_cfg))
        doc = audit(cfg)
    finally:
        other.terminate()
        other.wait(10)
    rss = metric(doc, "php.worker_rss_mean")
    # LoanFlow's pool, Bookshelf's pool in the same master, and the other master's pool.
    assert "match workers of 3 masters or pools" in (rss["low_confidence"] or ""), rss
    assert "pool loanflow" in rss["low_confidence"] and "pool other" in rss["low_confidence"]
    assert "pool bookshelf" in rss["low_confidence"]
    assert "narrow processes.app" in rss["low_confidence"]


@pytest.mark.untimed  # EXPLAIN and advice, not times: beside the other tiers in make test's first phase
def test_a_configured_query_the_app_never_runs_is_a_hypothesis_with_fitting_advice(tmp_path: Path, stack: Path) -> None:
    cfg = _config(tmp_path, duration=2, rate=UNTIMED_RATE)
    doc_cfg = yaml.safe_load(cfg.read_text())
    # On columns the audit's user may read (the README's grants): id, first_name, last_name of borrowers.
    never_run = "SELECT id, first_name FROM borrowers WHERE last_name LIKE '%mith%' LIMIT 20"
    doc_cfg["mysql"]["queries"]["email_search"] = never_run
    cfg.write_text(yaml.safe_dump(doc_cfg))
    doc = audit(cfg)
    scans = metric(doc, "mysql.full_scan_statements")
    found = next(f for f in scans["evidence"]["statements"] if f.get("query") == "email_search")
    assert found["ran_in_window"] is False and "FULLTEXT" in found["unindexable"], found
    assert "would scan" in scans["summary"] and "not seen running" in scans["summary"], scans["summary"]
    assert scans["value"] == 0.5, scans  # the healthy stack's own statements scan nothing
    item = next(i for i in doc["roadmap"] if i["metric"] == "mysql.full_scan_statements")
    assert "FULLTEXT" in item["action"] and "index the" not in item["action"].lower(), item


def test_every_mysql_probe_works_with_the_documented_least_privilege_grants(baseline: dict[str, Any], mysql) -> None:  # type: ignore[no-untyped-def]
    """The audit's user holds exactly the README's grants (stackctl gives them): it reads no app row ..."""
    import pymysql

    with mysql.cursor() as cur:
        for denied in ("SELECT password_hash FROM users LIMIT 1", "SELECT email FROM borrowers LIMIT 1"):
            with pytest.raises(pymysql.err.OperationalError, match="denied"):
                cur.execute(denied)
        cur.execute("SHOW GRANTS")
        grants = " ".join(r[0] for r in cur.fetchall())
    assert "ON *.*" in grants and "SELECT ON *.*" not in grants and "PROCESS" not in grants, grants
    # ... and yet every MySQL figure is measured: nothing is "access denied".
    mysql_metrics = [m for c in baseline["categories"] for m in c["metrics"] if m["id"].startswith("mysql.")]
    assert not [m["id"] for m in mysql_metrics if "denied" in (m["reason"] or "")], mysql_metrics
    for mid in ("mysql.redundant_indexes", "mysql.replicas", "mysql.query_p95_latency", "mysql.full_scan_statements"):
        assert metric(baseline, mid)["status"] == "measured", metric(baseline, mid)
    assert metric(baseline, "mysql.innodb_read_efficiency")["evidence"]["dataset"]["tables"] == 7
