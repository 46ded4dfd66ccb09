"""The stack facts' pure parsing: a framework from recorded headers and HTML, the DB client from `php -m`."""

from __future__ import annotations

import pytest

from perfscore.artifacts import Artifacts
from perfscore.gatherers import fingerprint
from perfscore.gatherers.stack import page_facts

WORDPRESS_HTML = """<!DOCTYPE html><html lang="en-US"><head>
<meta name='robots' content='max-image-preview:large' />
<link rel="https://api.w.org/" href="http://blog.example/wp-json/" />
<link rel='stylesheet' href='http://blog.example/wp-content/themes/twentytwentyfour/style.css?ver=1.0' />
<meta name="generator" content="WordPress 6.4.2" />
</head><body></body></html>"""

DRUPAL_HTML = """<html><head><meta name="Generator" content="Drupal 10 (https://www.drupal.org)" />
<link rel="stylesheet" href="/sites/default/files/css/css_abc.css" /></head></html>"""

CASES = [
    pytest.param(
        {"Link": '<http://blog.example/wp-json/>; rel="https://api.w.org/"', "Content-Type": "text/html"},
        WORDPRESS_HTML,
        "wordpress",
        "meta",
        id="wordpress",
    ),
    pytest.param(
        {
            "Set-Cookie": "XSRF-TOKEN=eyJpdiI6IkR; expires=Sun, 06 Dec 2026 07:00:00 GMT; Max-Age=7200; path=/; "
            "samesite=lax, laravel_session=eyJpdiI6Ik9; expires=Sun, 06 Dec 2026 07:00:00 GMT; path=/; httponly",
        },
        "<html><body><h1>Dashboard</h1></body></html>",
        "laravel",
        "laravel_session",
        id="laravel",
    ),
    pytest.param(
        {"X-Generator": "Drupal 10 (https://www.drupal.org)", "X-Drupal-Cache": "MISS"},
        DRUPAL_HTML,
        "drupal",
        "x-generator",
        id="drupal",
    ),
    pytest.param(
        {"Set-Cookie": "ci_session=a1b2c3; path=/; HttpOnly", "Content-Type": "text/html"},
        "<html></html>",
        "codeigniter",
        "ci_session",
        id="codeigniter",
    ),
    pytest.param(
        {"X-Debug-Token": "4f2a1b", "X-Debug-Token-Link": "http://app.example/_profiler/4f2a1b"},
        "<html></html>",
        "symfony",
        "x-debug-token",
        id="symfony",
    ),
    pytest.param(
        {"Set-Cookie": "PHPSESSID=9v8u7t6s5r; path=/", "X-Powered-By": "PHP/8.2.7"},
        "<html><body><a href='/savings.php?id=3'>Savings</a></body></html>",
        "plain-php",
        "PHPSESSID",
        id="plain-php",
    ),
    pytest.param({"Server": "nginx"}, "<html><body>It works</body></html>", None, None, id="unknown"),
    pytest.param(
        {"Set-Cookie": "XSRF-TOKEN=abc; path=/"}, "<html><app-root></app-root></html>", None, None, id="angular-only"
    ),
]


@pytest.mark.parametrize(("headers", "html", "framework", "evidence"), CASES)
def test_the_framework_is_told_from_what_a_visitor_sees(
    headers: dict[str, str], html: str, framework: str | None, evidence: str | None
) -> None:
    fw, seen = fingerprint.frameworks(headers, html)
    assert fw == framework, seen
    if evidence:
        assert any(evidence.lower() in s.lower() for s in seen), seen
    assert not any("eyJ" in s or "a1b2c3" in s or "9v8u7t" in s for s in seen), "a cookie value was kept"


def test_the_framework_fact_keeps_its_source_and_no_fact_is_a_note() -> None:
    facts, notes = page_facts({"X-Generator": "Drupal 10"}, DRUPAL_HTML, [], "the home page")
    assert facts["framework"].value == "drupal" and "home page" in facts["framework"].source and not notes
    facts, notes = page_facts({}, "<html></html>", [], "the home page")
    assert "framework" not in facts and notes == ["framework: no fingerprint in the home page"]


def test_a_wordpress_path_among_the_endpoints_counts() -> None:
    fw, seen = fingerprint.frameworks({}, "<html></html>", ["/wp-json/wp/v2/posts"])
    assert fw == "wordpress" and seen == ["wordpress: path /wp-json/wp/v2/posts"]


PHP_M = """[PHP Modules]
Core
ctype
mysqlnd
openssl
PDO
pdo_mysql
Zend OPcache

[Zend Modules]
Zend OPcache
"""


def test_the_database_client_comes_from_the_pools_extensions() -> None:
    mods = fingerprint.php_modules(PHP_M)
    assert fingerprint.db_client(mods) == "pdo_mysql" and fingerprint.opcache_loaded(mods)
    assert fingerprint.db_client(mods | {"mysqli"}) == "both"
    assert fingerprint.db_client({"mysqli", "mysqlnd"}) == "mysqli"
    assert fingerprint.db_client({"core"}) == "none" and not fingerprint.opcache_loaded({"core"})


def test_runs_saved_before_stack_facts_still_load_and_new_ones_round_trip() -> None:
    assert Artifacts.model_validate({}).stack is None
    doc = {"stack": {"framework": {"value": "laravel", "source": "the home page: laravel: cookie laravel_session"}}}
    got = Artifacts.model_validate(doc)
    assert got.stack is not None and got.stack.framework is not None and got.stack.framework.value == "laravel"
    again = Artifacts.model_validate_json(got.model_dump_json())
    assert again == got


def test_page_cache_fact_from_a_repeat_hit_or_a_plugin_mark() -> None:
    from perfscore.gatherers.fingerprint import cache_marker, page_cache

    assert page_cache([({"X-Cache": "MISS"}, "<p>"), ({"X-Cache": "HIT"}, "<p>")]) == (True, "x-cache: HIT on a repeat")
    assert page_cache([({}, "<p>"), ({"Age": "12"}, "<p>")]) == (True, "age: 12 on a repeat")
    assert page_cache([({"X-Cache": "HIT"}, "<p>"), ({}, "<p>")]) is None  # a hit on the first fetch only: not told
    assert page_cache([({"Age": "0", "X-Varnish": "1"}, ""), ({"Age": "0", "X-Varnish": "2"}, "")]) is None
    wp = "<html>…</html>\n<!-- Cached page generated by WP-Super-Cache on 2026-01-01 12:00:00 -->"
    found = page_cache([({}, wp)])
    assert found is not None and found[1].startswith("WP Super Cache:"), found
    assert cache_marker("<!-- Performance optimized by W3 Total Cache. Learn more -->")
    assert cache_marker("<p>a page about WP-Super-Cache</p>") is None
