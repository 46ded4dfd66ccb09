"""Debian's WordPress as a real third-party app (issue 24): stood up by tests/stack/wordpress.py on a private
MariaDB with a PHP-FPM and nginx of its own, checked as a visitor sees it, then audited by perfscore as a
stranger would audit it (``perfscore audit --url``, no config)."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import perfscore
from tests.stack.wordpress import PrivateMariaDB, WordPressSite, binary, installed, private_mariadb, start_wordpress

pytestmark = [
    pytest.mark.server,
    pytest.mark.slow,
    pytest.mark.integration,
    pytest.mark.skipif(not installed(), reason="Debian's wordpress is not installed (apt-get install wordpress)"),
]


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: str


def get(url: str, timeout: float = 15) -> Page:
    req = urllib.request.Request(url, headers={"User-Agent": "perfscore-tests"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Page(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        return Page(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode("utf-8", "replace"))


@pytest.fixture(scope="module")
def wp_mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateMariaDB]:
    db = private_mariadb(tmp_path_factory.mktemp("wp-mariadb"))
    yield db
    db.stop()


@pytest.fixture(scope="module")
def wordpress_site(wp_mariadb: PrivateMariaDB, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WordPressSite]:
    site = start_wordpress(wp_mariadb, None, tmp_path_factory.mktemp("wordpress"))
    yield site
    site.stop()


def test_the_home_page_lists_the_newest_posts_and_links_to_the_next_page(wordpress_site: WordPressSite) -> None:
    home = get(wordpress_site.base_url + "/")
    assert home.status == 200, home.body[:500]
    assert 'name="generator" content="WordPress 6.' in home.body
    assert wordpress_site.posts[0] in home.body  # the newest post, by its permalink
    assert wordpress_site.posts[12] not in home.body  # 10 per page: the 13th newest is on page 2
    assert re.search(r"/page/2/|[?&]paged=2", home.body), "no pagination link on the home page"
    page2 = get(wordpress_site.base_url + "/page/2/")
    assert page2.status == 200 and wordpress_site.posts[12] in page2.body


def test_a_post_a_page_and_the_category_answer_200(wordpress_site: WordPressSite) -> None:
    post = get(wordpress_site.posts[3])
    assert post.status == 200 and "Load test notes 22" in post.body, post.body[:300]
    page = get(wordpress_site.pages[0])
    assert page.status == 200 and "About us" in page.body
    assert "/category/benchmarks/" in wordpress_site.category_url, wordpress_site.category_url
    assert get(wordpress_site.category_url).status == 200
    assert get(wordpress_site.base_url + "/2001/01/no-such-post/").status == 404


def test_the_rest_api_answers_json_with_the_posts(wordpress_site: WordPressSite) -> None:
    index = get(wordpress_site.base_url + "/wp-json/")
    assert index.status == 200 and index.headers["content-type"].startswith("application/json")
    assert json.loads(index.body)["name"] == "Perfscore Field Notes"
    posts = get(wordpress_site.base_url + "/wp-json/wp/v2/posts?per_page=5")
    assert posts.status == 200 and posts.headers.get("x-wp-total") == "26", posts.headers  # 25 + "Hello world!"
    links = [p["link"] for p in json.loads(posts.body)]  # wp_install's "Hello world!" is today's: the newest
    assert links[0].endswith("/hello-world/") and links[1:] == wordpress_site.posts[:4], links


def _pool_loads(extension: str) -> bool:
    out = subprocess.run([binary("php-fpm8.2", "php-fpm"), "-m"], capture_output=True, text=True, timeout=30).stdout
    return extension.lower() in out.lower().split()


def test_robots_names_the_sitemap_and_the_sitemap_lists_the_posts(wordpress_site: WordPressSite) -> None:
    robots = get(wordpress_site.base_url + "/robots.txt")
    assert robots.status == 200 and f"Sitemap: {wordpress_site.base_url}/wp-sitemap.xml" in robots.body, robots.body
    index = get(wordpress_site.base_url + "/wp-sitemap.xml")
    if not _pool_loads("SimpleXML"):
        # Debian's wordpress only *suggests* php-xml: without it the sitemap WordPress advertises answers 501.
        assert index.status == 501 and "SimpleXML" in index.body, (index.status, index.body[:300])
        return
    assert index.status == 200 and "xml" in index.headers["content-type"], index.headers
    assert "wp-sitemap-posts-post-1.xml" in index.body
    posts = get(wordpress_site.base_url + "/wp-sitemap-posts-post-1.xml")
    assert posts.status == 200 and all(p in posts.body for p in wordpress_site.posts), posts.body[:500]


def test_the_login_page_answers_200(wordpress_site: WordPressSite) -> None:
    login = get(wordpress_site.base_url + "/wp-login.php")
    assert login.status == 200 and 'name="log"' in login.body and 'name="pwd"' in login.body


def test_the_pool_workers_are_children_of_the_fixtures_own_master(wordpress_site: WordPressSite) -> None:
    import psutil

    master = psutil.Process(wordpress_site.fpm_master_pid)
    assert master.cmdline()[0].startswith("php-fpm: master process"), master.cmdline()
    assert str(wordpress_site.fpm_conf) in " ".join(master.cmdline())
    workers = master.children()
    assert workers and all(w.cmdline()[0].strip() == "php-fpm: pool wordpress" for w in workers), workers
    # Requests went through this pool and were logged where the fixture says.
    get(wordpress_site.base_url + "/")
    assert "GET /index.php" in wordpress_site.fpm_access_log.read_text()
    assert '"GET / HTTP/1.1" 200' in wordpress_site.access_log.read_text()
    nginx = psutil.Process(wordpress_site.nginx_pid)
    assert any(c.laddr.port == wordpress_site.http_port for c in nginx.net_connections("tcp") if c.laddr)
    assert wordpress_site.config_file.exists()


def test_a_second_site_is_independent_and_stop_leaves_nothing_behind(
    wp_mariadb: PrivateMariaDB, wordpress_site: WordPressSite, tmp_path: Path
) -> None:
    import psutil

    other = start_wordpress(wp_mariadb, 6399, tmp_path)
    try:
        assert other.http_port != wordpress_site.http_port and other.db_name != wordpress_site.db_name
        assert "WP_REDIS_PORT', 6399" in other.config_file.read_text()
        assert get(other.base_url + "/").status == 200
    finally:
        other.stop()
    assert not other.config_file.exists()
    assert not psutil.pid_exists(other.fpm_master_pid) and not psutil.pid_exists(other.nginx_pid)
    assert other.db_name not in wp_mariadb.sql("SHOW DATABASES")
    assert other.db_user not in wp_mariadb.sql("SELECT User FROM mysql.user")
    assert get(wordpress_site.base_url + "/").status == 200  # the first site is untouched


def test_a_killed_runs_config_and_database_are_reaped_by_the_next_start(
    wp_mariadb: PrivateMariaDB, tmp_path: Path
) -> None:
    import sys

    from tests.stack.wordpress import CONFIG_DIR

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_db = "wp_0badc0de"
    wp_mariadb.sql(f"CREATE DATABASE {stale_db};\nCREATE USER '{stale_db}'@'%' IDENTIFIED BY 'x';\n")
    stale = CONFIG_DIR / "config-perfscore-wp-0badc0de.php"
    stale.write_text(
        f"<?php\n// owner pid={dead.pid}\ndefine('DB_NAME', '{stale_db}');\ndefine('DB_USER', '{stale_db}');\n"
        f"define('DB_HOST', '{wp_mariadb.host}:{wp_mariadb.port}');\n"
    )
    site = start_wordpress(wp_mariadb, None, tmp_path)
    site.stop()
    assert not stale.exists()
    assert stale_db not in wp_mariadb.sql("SHOW DATABASES")
    assert stale_db not in wp_mariadb.sql("SELECT User FROM mysql.user")


def test_perfscore_audits_wordpress_as_a_stranger_without_a_traceback(
    wordpress_site: WordPressSite, tmp_path: Path
) -> None:
    run = tmp_path / "run.json"
    res = perfscore(
        "audit", "--url", wordpress_site.base_url, "-d", "2", "--format", "json", "--save-run", str(run), "--no-history"
    )
    assert res.code in (0, 1, 3), (res.code, res.err[-2000:])
    assert "Traceback" not in res.err and "Traceback" not in res.out, res.err[-2000:]
    doc = json.loads(res.out)
    assert isinstance(doc.get("score"), int | float), doc.keys()
    assert doc.get("roadmap") is not None
    # Nothing in the output carries the site's secrets.
    for secret in (wordpress_site.db_password_file, wordpress_site.admin_password_file):
        assert secret.read_text().strip() not in res.out + res.err
