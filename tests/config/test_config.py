from __future__ import annotations

from pathlib import Path

import pytest

from perfscore.config import load_config, parse_mysql_dsn, parse_redis_url
from perfscore.sqlguard import read_only_problem
from tests.conftest import assert_clean_error, perfscore


@pytest.mark.parametrize(
    ("sql", "ok"),
    [
        ("SELECT 1", True),
        ("  select id from loans where id = 1;", True),
        ("/* hint */ SELECT * FROM t", True),
        ("(SELECT 1) UNION (SELECT 2)", True),
        ("DELETE FROM loans", False),
        ("SELECT 1; DROP TABLE loans", False),
        ("UPDATE loans SET status='x'", False),
        ("SELECT * FROM loans FOR UPDATE", False),
        ("SELECT * INTO OUTFILE '/tmp/x' FROM loans", False),
        ("-- SELECT\nINSERT INTO t VALUES (1)", False),
        ("WITH recent AS (SELECT id FROM loans) SELECT COUNT(*) FROM recent", True),
        ("SELECT id FROM loans WHERE created_at > NOW() - INTERVAL 30 DAY", True),
        ("SELECT '/*! FOR UPDATE */' AS s", True),  # inside a string it is only text
        ("SELECT 1 /*+ MAX_EXECUTION_TIME(100) */", True),  # an optimizer hint is not executable
        # the bypasses seen in the general log (issue 12): executable comments, lock functions
        ("SELECT * FROM loans /*! FOR UPDATE */", False),
        ("SELECT * FROM loans /*!LOCK IN SHARE MODE*/", False),
        ("SELECT id FROM loans /*!50000 INTO OUTFILE '/tmp/x' */", False),
        ("SELECT 1 /*M!100000 FOR UPDATE */", False),
        ("SELECT GET_LOCK('perfscore', 1)", False),
        ("SELECT (SELECT SLEEP(2))", False),
        ("SELECT BENCHMARK(1000000, MD5('x'))", False),
        ("SELECT * FROM (SELECT * FROM loans FOR UPDATE) x", False),
        ("SELECT * FROM loans FOR SHARE", False),
        ("SELECT @n := COUNT(*) FROM loans", False),
        ("SELECT id INTO @x FROM loans LIMIT 1", False),
        ("SELECT NEXTVAL(seq)", False),
        ("SELECT my_stored_function(id) FROM loans", False),  # a stored function can write
        ("SELECT array_agg(id) FROM loans", False),  # another dialect's function: in MySQL, a stored one
        ("SELECT generate_series(1, 3)", False),
        ("SELECT `sleep`(1)", False),
        ("SELECT COUNT(*), IF(a, 1, 2), DATE_FORMAT(d, '%Y'), CAST(a AS CHAR), LEFT(a, 2) FROM t", True),
        ("SELECT GROUP_CONCAT(a ORDER BY a SEPARATOR ',') FROM t GROUP BY b", True),
        ("SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t", True),
        ("SELECT * FROM t WHERE x IN (1, 2) AND EXISTS (SELECT 1)", True),
        ("SELECT NEXT VALUE FOR seq", False),  # unparseable: refused, not guessed
        ("", False),
        ("SELECT 1 WHERE 1 IN " + "(" * 5000 + "1" + ")" * 5000, False),
        ("SELECT '" + "x" * 70000 + "'", False),
    ],
)
def test_only_plain_reads_are_accepted(sql: str, ok: bool) -> None:
    assert (read_only_problem(sql) is None) is ok


def test_a_write_in_the_config_is_refused_at_load(tmp_path: Path) -> None:
    cfg = tmp_path / "perfscore.yaml"
    cfg.write_text("mysql:\n  host: 127.0.0.1\n  queries:\n    bad: DELETE FROM loans\n")
    res = perfscore("audit", "--config", str(cfg))
    assert_clean_error(res, 2, "perfscore.yaml:4", "mysql.queries.bad", "is not a SELECT")


def test_config_errors_name_the_line(tmp_path: Path) -> None:
    cfg = tmp_path / "perfscore.yaml"
    cfg.write_text("target:\n  base_url: http://127.0.0.1:8088\naudit:\n  duration_s: -3\n")
    assert_clean_error(perfscore("audit", "--config", str(cfg)), 2, "perfscore.yaml:4", "audit.duration_s")
    cfg.write_text("target: [unclosed\n")
    assert_clean_error(perfscore("audit", "--config", str(cfg)), 2, "not valid YAML")
    cfg.write_text("redis:\n  url: redis://:hunter2@127.0.0.1:6379/0\n")
    res = perfscore("audit", "--config", str(cfg))
    assert_clean_error(res, 2, "password_env")
    assert "hunter2" not in res.err


def test_missing_password_env_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "perfscore.yaml"
    cfg.write_text("mysql:\n  host: 127.0.0.1\n  password_env: PERFSCORE_TEST_UNSET_VAR\n")
    assert_clean_error(perfscore("audit", "--config", str(cfg)), 2, "PERFSCORE_TEST_UNSET_VAR")


def test_dsn_flags_keep_the_password_secret() -> None:
    m = parse_mysql_dsn("mysql://mon:s3cr%40t@db.local:3307/loanflow")
    assert (m.host, m.port, m.user, m.database) == ("db.local", 3307, "mon", "loanflow")
    assert m.password is not None and m.password.get_secret_value() == "s3cr@t"
    assert "s3cr" not in repr(m) and "s3cr" not in m.model_dump_json()
    r = parse_redis_url("redis://:pw123@127.0.0.1:6380/2")
    assert r.url == "redis://127.0.0.1:6380/2" and "pw123" not in repr(r)


def test_init_writes_a_valid_example(tmp_path: Path) -> None:
    path = tmp_path / "perfscore.yaml"
    res = perfscore("init", str(path))
    assert res.code == 0
    cfg = load_config(path)
    # No app's query is guessed (the reference app's were once written for every site) ...
    assert cfg.mysql is not None and not cfg.mysql.queries and cfg.mysql.database is None and cfg.endpoints
    assert cfg.target.name == "my-app"
    # ... and the commented example is a valid read-only query once uncommented.
    text = path.read_text().replace("  # queries:", "  queries:").replace("  #   hot_read:", "    hot_read:")
    path.write_text(text)
    assert list(load_config(path).mysql.queries) == ["hot_read"]  # type: ignore[union-attr]
    assert_clean_error(perfscore("init", str(path)), 2, "exists")


@pytest.mark.stack
def test_reference_stack_config_is_valid(stack: Path) -> None:
    from tests.stack.fixtures import AUDIT_CONFIG, PORTS

    cfg = load_config(AUDIT_CONFIG)
    assert cfg.target.base_url == f"http://127.0.0.1:{PORTS['http']}"
    assert cfg.mysql is not None and cfg.mysql.port == PORTS["mysql"]
    assert cfg.redis is not None and cfg.redis.url.endswith(f":{PORTS['redis']}/0")
    assert "@@" not in AUDIT_CONFIG.read_text()


def test_ramp_flags_override_the_config_and_a_url_alone_names_the_site_by_its_host(tmp_path: Path) -> None:
    from perfscore.config import Config, with_overrides

    cfg = tmp_path / "p.yaml"
    cfg.write_text("target: {name: Shop, base_url: 'http://127.0.0.1:8080'}\naudit: {load: {scalability: true}}\n")
    given = load_config(cfg)
    assert with_overrides(given, ramp=False).audit.load.scalability is False
    assert with_overrides(given).audit.load.scalability is True  # no flag: the config's
    back_on = with_overrides(with_overrides(given, ramp=False), ramp=True, duration=4)
    assert back_on.audit.load.scalability is True and back_on.audit.duration_s == 4
    assert with_overrides(given, url="http://127.0.0.1:9000/").target.name == "Shop"  # the config's name stays
    assert with_overrides(Config(), url="https://shop.example:8443/x").target.name == "shop.example:8443"


def test_no_ramp_is_said_where_the_ramp_would_run(tmp_path: Path) -> None:
    res = perfscore("audit", "--url", "http://127.0.0.1:9", "--no-ramp", "--duration", "1", "--no-history")
    assert res.code == 3, res.err
    assert "auditing 127.0.0.1:9 " in res.err, res.err
    assert "ramp: skipped (the scalability ramp is off (audit.load.scalability: false, or --no-ramp))" in res.err


def test_init_proposes_max_drop_from_the_noise_a_baseline_measured(tmp_path: Path) -> None:
    """Issue 26: `init --baseline-run` writes gate.max_drop from the spread of the baseline's repeated audits
    (1.5 x, rounded up to half a point, at least 1), not the template's 2; a one-audit baseline has no noise."""
    from perfscore.run import Noise, load_run
    from tests.conftest import REPO

    run = load_run(REPO / "tests" / "fixtures" / "run-v2-reference-stack.json")
    for spread, expected in ((2.65, 4.0), (0.2, 1.0), (1.0, 1.5)):
        noisy = tmp_path / f"baseline-{spread}.json"
        noisy.write_text(run.model_copy(update={"noise": Noise(runs=3, score_spread=spread)}).model_dump_json())
        out = tmp_path / f"p-{spread}.yaml"
        res = perfscore("init", str(out), "--baseline-run", str(noisy))
        assert res.code == 0, res.err
        assert f"3 audits of the unchanged stack moved the score {spread:.2f} points" in res.err
        assert load_config(out).gate.max_drop == expected, out.read_text()
    one = tmp_path / "one.json"
    one.write_text(run.model_copy(update={"noise": None}).model_dump_json())
    assert_clean_error(perfscore("init", str(tmp_path / "x.yaml"), "--baseline-run", str(one)), 2, "--runs 3")
    assert not (tmp_path / "x.yaml").exists()
