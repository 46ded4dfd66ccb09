"""A real third-party PHP app for tests: Debian's WordPress package, stood up as a running site.

perfscore has no knowledge of WordPress; this stands it up the way an admin of a Debian host would, so a
test can point perfscore at it as a stranger would (issue 24: "against an app you did not write").

- ``start_wordpress(mysql, redis_port, tmp)``: a database and user on the given MariaDB, Debian's config
  file (``/etc/wordpress/config-<name>.php``), a non-interactive install with posts, pages and a category,
  and a PHP-FPM master and an nginx of its own on a free loopback port. ``stop()`` undoes all of it.
- ``MySQLAdmin``: how to run SQL as an admin on a MariaDB. The reference stack gives it as root over its
  unix socket (``MySQLAdmin.root_over_socket(REPO / ".stack/run/mysql.sock", PORTS["mysql"])``).
- ``private_mariadb(tmp)``: a MariaDB of the test's own (a fresh datadir, a free port, a socket in ``tmp``).
- ``install_wordpress(mysql, base_url, tmp)``, ``nginx_locations(fpm_socket, config_name)`` and
  ``fpm_pool(...)``: the same site without servers of its own, for the stack's nginx and PHP-FPM to serve.

Needs the ``wordpress`` package (``apt-get install wordpress``: /usr/share/wordpress) and Debian's nginx,
php-fpm8.2 and mariadb binaries. Everything listens on 127.0.0.1 or on unix sockets under ``tmp``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypedDict

WEB_ROOT = Path("/usr/share/wordpress")
CONTENT_DIR = Path("/var/lib/wordpress/wp-content")  # Debian's WP_CONTENT_DIR (themes are symlinks into WEB_ROOT)
CONFIG_DIR = Path("/etc/wordpress")
POSTS = 25  # with WordPress's 10 per page (and its own "Hello world!"): three pages of posts
PAGES = ("About us", "Services", "Contact", "Pricing")
CATEGORY = "Benchmarks"
PERMALINKS = "/%year%/%monthnum%/%postname%/"
START_DEADLINE_S = 20.0


class WordPressError(RuntimeError):
    """A server of the fixture did not start; the message carries the tail of its log."""


def installed() -> bool:
    return (WEB_ROOT / "wp-load.php").is_file() and (WEB_ROOT / "wp-config.php").is_file()


def binary(*names: str) -> str:
    for n in names:
        found = shutil.which(n) or shutil.which(n, path="/usr/sbin:/usr/bin:/sbin:/bin")
        if found:
            return found
    raise WordPressError(f"none of {', '.join(names)} is installed")


# ---------------------------------------------------------------- MariaDB


@dataclass(frozen=True)
class MySQLAdmin:
    """A MariaDB and a way to run SQL on it as an admin.

    ``host``/``port`` are where the app connects (TCP); ``client`` is the argv of a ``mariadb`` client that
    connects as an admin (e.g. root over the unix socket, as stack/stackctl ``sql()`` does). Statements go
    on stdin, never in argv: some set passwords, and argv is in every process listing."""

    host: str
    port: int
    client: tuple[str, ...]

    @classmethod
    def root_over_socket(cls, sock: Path, port: int, host: str = "127.0.0.1") -> MySQLAdmin:
        """root with unix_socket authentication: the reference stack (``.stack/run/mysql.sock``) and
        ``private_mariadb`` both initialise their datadir with ``--auth-root-authentication-method=socket``."""
        client = binary("mariadb", "mysql")
        return cls(host, port, (client, "--no-defaults", "-uroot", f"--socket={sock}", "-N", "-B"))

    def sql(self, statements: str, db: str | None = None, timeout: float = 30) -> str:
        cmd = [*self.client, *([db] if db else [])]
        proc = subprocess.run(cmd, input=statements, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise WordPressError(f"mariadb client failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return proc.stdout


@dataclass(frozen=True)
class PrivateMariaDB(MySQLAdmin):
    """A MariaDB started for one test (``private_mariadb``): stop() ends it; its datadir stays in tmp."""

    pid: int = 0
    socket: Path = Path()
    datadir: Path = Path()
    error_log: Path = Path()
    slow_log: Path = Path()
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    def stop(self) -> None:
        if self._proc is not None:
            _terminate(self._proc, signal.SIGTERM, 30)


def private_mariadb(tmp: Path) -> PrivateMariaDB:
    """A fresh MariaDB of the caller's own: ``mariadb-install-db`` into ``tmp/mariadb/data`` (root by unix
    socket, grant tables on), ``mariadbd`` on a free 127.0.0.1 port with its socket in ``tmp``. The caller
    calls ``stop()``."""
    base = tmp / "mariadb"
    data, run = base / "data", base / "run"
    data.mkdir(parents=True, exist_ok=True)
    run.mkdir(parents=True, exist_ok=True)
    error_log, slow_log, sock = base / "error.log", base / "slow.log", run / "mysqld.sock"
    if not (data / "mysql").exists():
        init = subprocess.run(
            [
                binary("mariadb-install-db", "mysql_install_db"),
                "--no-defaults",
                "--user=root",
                f"--datadir={data}",
                "--skip-test-db",
                "--auth-root-authentication-method=socket",
                "--innodb-log-file-size=8M",  # not the default 96 MB redo log in every test's datadir
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if init.returncode != 0:
            raise WordPressError(f"mariadb-install-db failed: {(init.stderr or init.stdout).strip()[-800:]}")
    mariadbd = binary("mariadbd", "mysqld")

    def launch(port: int) -> subprocess.Popen[bytes]:
        args = [
            mariadbd,
            "--no-defaults",
            "--user=root",
            f"--datadir={data}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={sock}",
            f"--pid-file={run / 'mysqld.pid'}",
            f"--log-error={error_log}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=8M",
            "--character-set-server=utf8mb4",
            "--slow-query-log=1",
            f"--slow-query-log-file={slow_log}",
            "--long-query-time=0.1",
        ]
        return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    proc, port = _start_on_free_port(launch, error_log, "MariaDB", extra=lambda: sock.exists(), deadline_s=60)
    admin = MySQLAdmin.root_over_socket(sock, port)
    return PrivateMariaDB(
        admin.host,
        admin.port,
        admin.client,
        pid=proc.pid,
        socket=sock,
        datadir=data,
        error_log=error_log,
        slow_log=slow_log,
        _proc=proc,
    )


# ---------------------------------------------------------------- WordPress


@dataclass
class WordPressInstall:
    """An installed WordPress without servers of its own: its database and user, Debian's config file and
    its content. Serve it with ``nginx_locations`` in any server block and a pool from ``fpm_pool`` (the
    stack's nginx and PHP-FPM, or ``start_wordpress``'s own). ``remove()`` drops the database and its user
    and deletes the config file (idempotent)."""

    base_url: str
    config_name: str  # fastcgi_param WORDPRESS_CONFIG: Debian's wp-config.php loads config-<name>.php
    config_file: Path
    db_name: str
    db_user: str
    db_password_file: Path
    admin_user: str
    admin_password_file: Path
    posts: list[str]  # permalinks of the published posts, newest first (wp_install's "Hello world!" apart)
    pages: list[str]
    category_url: str
    mysql: MySQLAdmin = field(repr=False)
    _removed: bool = field(default=False, repr=False)

    def remove(self) -> None:
        if self._removed:
            return
        self._removed = True
        self.config_file.unlink(missing_ok=True)
        with contextlib.suppress(WordPressError, subprocess.TimeoutExpired):
            self.mysql.sql(f"DROP DATABASE IF EXISTS `{self.db_name}`;\nDROP USER IF EXISTS '{self.db_user}'@'%';\n")


def install_wordpress(
    mysql: MySQLAdmin,
    base_url: str,
    tmp: Path,
    redis_port: int | None = None,
    config_name: str | None = None,
    php_error_log: Path | None = None,
) -> WordPressInstall:
    """Create a database and user on ``mysql``, write /etc/wordpress/config-<config_name>.php for a site
    served at ``base_url`` (WP_HOME/WP_SITEURL), and install it from the command line (``wp_install``, then
    25 posts in a category and 4 pages, pretty permalinks). Needs no web server: serve it afterwards."""
    if not installed():
        raise WordPressError(f"WordPress is not installed ({WEB_ROOT}): apt-get install wordpress")
    tmp.mkdir(parents=True, exist_ok=True)
    config_name = config_name or new_config_name()
    token = config_name.rsplit("-", 1)[-1]
    db_name = db_user = f"wp_{token}"
    db_password, admin_password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
    db_password_file, admin_password_file = tmp / "db-password", tmp / "admin-password"
    for f, value in ((db_password_file, db_password), (admin_password_file, admin_password)):
        f.write_text(value + "\n")
        f.chmod(0o600)
    config_file = CONFIG_DIR / f"config-{config_name}.php"
    _reap_stale_sites(mysql)
    mysql.sql(
        f"CREATE DATABASE `{db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
        f"CREATE USER '{db_user}'@'%' IDENTIFIED BY '{db_password}';\n"
        f"GRANT ALL PRIVILEGES ON `{db_name}`.* TO '{db_user}'@'%';\n"
    )
    site = WordPressInstall(
        base_url=base_url,
        config_name=config_name,
        config_file=config_file,
        db_name=db_name,
        db_user=db_user,
        db_password_file=db_password_file,
        admin_user="admin",
        admin_password_file=admin_password_file,
        posts=[],
        pages=[],
        category_url="",
        mysql=mysql,
    )
    try:
        config_file.write_text(
            _wp_config(db_name, db_user, db_password, mysql.host, mysql.port, base_url, redis_port), encoding="utf-8"
        )
        config_file.chmod(0o640)
        made = _install(tmp, config_name, base_url, php_error_log or tmp / "php-install.log", admin_password)
    except BaseException:
        site.remove()
        raise
    site.posts, site.pages, site.category_url = made["posts"], made["pages"], made["category"]
    return site


def new_config_name() -> str:
    return f"perfscore-wp-{secrets.token_hex(4)}"  # WORDPRESS_CONFIG allows [a-zA-Z0-9-]+; unique per site


def nginx_locations(fpm_socket: Path, config_name: str) -> str:
    """WordPress's standard nginx rules (Debian's examples/nginx-wordpress.conf), for inside a ``server``
    block: the web root, pretty permalinks through index.php, wp-content from Debian's WP_CONTENT_DIR, PHP
    through ``fpm_socket`` with ``config_name`` selecting the site's config file."""
    return f"""        root {WEB_ROOT};
        index index.php;
        location = /favicon.ico {{ log_not_found off; access_log off; }}
        location = /robots.txt {{ try_files $uri /index.php?$args; }}
        location / {{
            try_files $uri $uri/ /index.php?$args;
        }}
        location ~ ^/wp-content/(.*)$ {{
            alias {CONTENT_DIR}/$1;
        }}
        location ~ \\.php$ {{
            try_files $uri =404;
            include /etc/nginx/fastcgi_params;
            # Debian's fastcgi_params (bookworm's security update) ends with HTTP_HOST $host, which drops
            # the port: WordPress on a non-default port then redirects / to itself forever. The last
            # value of a param wins in PHP-FPM.
            fastcgi_param HTTP_HOST $http_host;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_param WORDPRESS_CONFIG {config_name};
            fastcgi_index index.php;
            fastcgi_pass unix:{fpm_socket};
        }}
        location ~* \\.(js|css|png|jpg|jpeg|gif|ico|svg|woff2?)$ {{
            expires max;
            log_not_found off;
        }}
"""


def fpm_pool(pool: str, sock: Path, php_error_log: Path, access_log: Path, slow_log: Path) -> str:
    """A PHP-FPM pool section for WordPress (Debian's www.conf sizes: dynamic, 5 children at most), its
    logs where the caller says: PHP's error_log, the pool's access.log and slowlog."""
    return (
        f"[{pool}]\n"
        "user = root\ngroup = root\n"
        f"listen = {sock}\n"
        "pm = dynamic\npm.max_children = 5\npm.start_servers = 2\n"
        "pm.min_spare_servers = 1\npm.max_spare_servers = 3\n"
        f"access.log = {access_log}\n"
        f"slowlog = {slow_log}\nrequest_slowlog_timeout = 5s\n"
        "catch_workers_output = yes\n"
        "php_admin_flag[log_errors] = on\n"
        f"php_admin_value[error_log] = {php_error_log}\n"
    )


@dataclass
class WordPressSite(WordPressInstall):
    """A running WordPress: its URL, database, servers and logs. ``stop()`` stops nginx and PHP-FPM, drops
    the database and its user and removes the config file from /etc/wordpress (idempotent)."""

    http_port: int = 0
    nginx_pid: int = 0
    fpm_master_pid: int = 0
    fpm_socket: Path = Path()
    web_root: Path = WEB_ROOT
    php_error_log: Path = Path()
    nginx_error_log: Path = Path()
    access_log: Path = Path()
    nginx_conf: Path = Path()
    fpm_conf: Path = Path()
    fpm_error_log: Path = Path()
    fpm_access_log: Path = Path()
    fpm_slow_log: Path = Path()
    _stop: Callable[[], None] = field(repr=False, default=lambda: None)

    def stop(self) -> None:
        self._stop()


def start_wordpress(mysql: MySQLAdmin, redis_port: int | None, tmp: Path) -> WordPressSite:
    """Stand Debian's WordPress up as a running site: ``install_wordpress`` on ``mysql``, served by a
    PHP-FPM master (pool "wordpress") and an nginx of its own on a free 127.0.0.1 port; up in a few seconds.

    ``redis_port`` goes into the config as WP_REDIS_HOST/WP_REDIS_PORT (what object-cache plugins read);
    WordPress itself has no object cache drop-in here, so it does not connect to Redis."""
    if not installed():
        raise WordPressError(f"WordPress is not installed ({WEB_ROOT}): apt-get install wordpress")
    tmp.mkdir(parents=True, exist_ok=True)
    name = new_config_name()
    php_error_log, fpm_error_log = tmp / "php-error.log", tmp / "php-fpm.log"
    fpm_access_log, fpm_slow_log = tmp / "php-fpm-access.log", tmp / "php-fpm-slow.log"
    nginx_error_log, access_log = tmp / "nginx-error.log", tmp / "nginx-access.log"
    fpm_socket, fpm_conf = tmp / "php-fpm.sock", tmp / "php-fpm.conf"
    nginx_prefix = tmp / "nginx"
    nginx_conf = nginx_prefix / "nginx.conf"

    started: list[subprocess.Popen[bytes]] = []
    installs: list[WordPressInstall] = []

    def stop() -> None:
        for proc in reversed(started):  # nginx first, then PHP-FPM (SIGTERM: both stop at once)
            _terminate(proc, signal.SIGTERM, 15)
        started.clear()
        for made in installs:
            made.remove()

    try:
        fpm_conf.write_text(
            f"[global]\npid = {tmp / 'php-fpm.pid'}\nerror_log = {fpm_error_log}\ndaemonize = no\n"
            + fpm_pool("wordpress", fpm_socket, php_error_log, fpm_access_log, fpm_slow_log)
        )
        fpm = subprocess.Popen(
            [binary("php-fpm8.2", "php-fpm"), "--fpm-config", str(fpm_conf), "--allow-to-run-as-root"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(fpm)
        _wait(lambda: fpm_socket.exists() or fpm.poll() is not None, START_DEADLINE_S, "PHP-FPM's socket")
        if fpm.poll() is not None:
            raise WordPressError(f"php-fpm exited ({fpm.returncode}): {_tail(fpm_error_log)}")

        (nginx_prefix / "temp").mkdir(parents=True, exist_ok=True)

        def launch_nginx(port: int) -> subprocess.Popen[bytes]:
            nginx_conf.write_text(_nginx_conf(port, nginx_prefix, fpm_socket, name, access_log, nginx_error_log))
            return subprocess.Popen(
                [binary("nginx"), "-p", f"{nginx_prefix}/", "-c", str(nginx_conf), "-e", str(nginx_error_log)]
                + ["-g", "daemon off;"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

        nginx, port = _start_on_free_port(launch_nginx, nginx_error_log, "nginx", deadline_s=START_DEADLINE_S)
        started.append(nginx)
        base_url = f"http://127.0.0.1:{port}"
        made = install_wordpress(mysql, base_url, tmp, redis_port, config_name=name, php_error_log=php_error_log)
        installs.append(made)

        def home_is_wordpress() -> bool:
            try:
                with urllib.request.urlopen(base_url + "/", timeout=5) as r:
                    return r.status == 200 and b"wp-content" in r.read()
            except (urllib.error.URLError, OSError):
                return False

        try:
            _wait(home_is_wordpress, START_DEADLINE_S, f"WordPress's home page at {base_url}/")
        except WordPressError as e:
            raise WordPressError(f"{e}; nginx: {_tail(nginx_error_log)}; PHP: {_tail(php_error_log)}") from None
    except BaseException:
        stop()
        raise
    return WordPressSite(
        **{f.name: getattr(made, f.name) for f in fields(WordPressInstall)},
        http_port=port,
        nginx_pid=nginx.pid,
        fpm_master_pid=fpm.pid,
        fpm_socket=fpm_socket,
        php_error_log=php_error_log,
        nginx_error_log=nginx_error_log,
        access_log=access_log,
        nginx_conf=nginx_conf,
        fpm_conf=fpm_conf,
        fpm_error_log=fpm_error_log,
        fpm_access_log=fpm_access_log,
        fpm_slow_log=fpm_slow_log,
        _stop=stop,
    )


def _reap_stale_sites(mysql: MySQLAdmin) -> None:
    """A test run that was killed (SIGKILL, a CI timeout) never called stop(): its config file is left in
    /etc/wordpress and, on a long-lived MariaDB such as the stack's, its database and user. Remove those
    whose owner process is gone (never another live run's)."""
    for f in CONFIG_DIR.glob("config-perfscore-wp-*.php"):
        try:
            text = f.read_text()
        except OSError:
            continue
        owner = re.search(r"owner pid=(\d+)", text)
        if owner is None or _alive(int(owner.group(1))):
            continue
        consts = dict(re.findall(r"define\('(DB_NAME|DB_USER|DB_HOST)', '([^']*)'\)", text))
        if consts.get("DB_HOST") == f"{mysql.host}:{mysql.port}" and re.fullmatch(r"wp_[0-9a-f]{8}", consts["DB_NAME"]):
            with contextlib.suppress(WordPressError, subprocess.TimeoutExpired):
                mysql.sql(
                    f"DROP DATABASE IF EXISTS `{consts['DB_NAME']}`;\nDROP USER IF EXISTS '{consts['DB_USER']}'@'%';\n"
                )
        f.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _nginx_conf(port: int, prefix: Path, fpm_socket: Path, config_name: str, access_log: Path, error_log: Path) -> str:
    # WordPress's standard nginx rules (Debian's examples/nginx-wordpress.conf), on a loopback port.
    temp = prefix / "temp"
    return f"""user root;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {error_log} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    gzip on;
    access_log {access_log};
    client_body_temp_path {temp}/body;
    fastcgi_temp_path {temp}/fastcgi;
    proxy_temp_path {temp}/proxy;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1 localhost;
{nginx_locations(fpm_socket, config_name)}    }}
}}
"""


def _wp_config(
    db_name: str, db_user: str, db_password: str, db_host: str, db_port: int, base_url: str, redis_port: int | None
) -> str:
    keys = "".join(
        f"define('{k}', '{secrets.token_hex(32)}');\n"
        for k in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    )
    redis = f"define('WP_REDIS_HOST', '127.0.0.1');\ndefine('WP_REDIS_PORT', {redis_port});\n" if redis_port else ""
    # Values are generated (hex, urlsafe base64, digits): nothing to escape in single quotes.
    return (
        "<?php\n"
        "// Written by perfscore's tests (tests/stack/wordpress.py); removed when the site stops.\n"
        f"// owner pid={os.getpid()}\n"
        f"define('DB_NAME', '{db_name}');\n"
        f"define('DB_USER', '{db_user}');\n"
        f"define('DB_PASSWORD', '{db_password}');\n"
        f"define('DB_HOST', '{db_host}:{db_port}');\n"
        "define('DB_CHARSET', 'utf8mb4');\n"
        "define('DB_COLLATE', '');\n"
        f"{keys}"
        "$table_prefix = 'wp_';\n"
        f"define('WP_HOME', '{base_url}');\n"
        f"define('WP_SITEURL', '{base_url}');\n"
        f"define('WP_CONTENT_DIR', '{CONTENT_DIR}');\n"
        "define('WP_DEBUG', false);\n"
        "define('DISABLE_WP_CRON', true);\n"  # no loopback requests of its own in the middle of a measurement
        "define('WP_HTTP_BLOCK_EXTERNAL', true);\n"  # never calls out (update checks, oEmbed): loopback only
        "define('AUTOMATIC_UPDATER_DISABLED', true);\n"
        f"{redis}"
    )


_INSTALL_PHP = r"""<?php
// Non-interactive install of Debian's WordPress: what the web installer does, then some content.
$p = json_decode(file_get_contents($argv[1]), true);
$_SERVER['HTTP_HOST'] = $p['host'];
$_SERVER['WORDPRESS_CONFIG'] = $p['config_name'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define('WP_INSTALLING', true);
// Pluggable: no mail leaves a test (there is no MTA, and the site is loopback only).
function wp_mail($to, $subject, $message, $headers = '', $attachments = array()) { return true; }
function wp_new_blog_notification($blog_title, $blog_url, $user_id, $password) {}
require $p['web_root'] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$r = wp_install($p['title'], 'admin', 'admin@example.test', true, '', $p['admin_password']);
if (is_wp_error($r) || empty($r['user_id'])) { fwrite(STDERR, "wp_install failed\n"); exit(2); }
global $wp_rewrite;
$wp_rewrite->set_permalink_structure($p['permalinks']);
create_initial_taxonomies();  // registered at init without permalinks: again, so category links are pretty
$wp_rewrite->flush_rules(false);
$term = wp_insert_term($p['category'], 'category', array('slug' => sanitize_title($p['category'])));
if (is_wp_error($term)) { fwrite(STDERR, $term->get_error_message() . "\n"); exit(2); }
$cat = (int) $term['term_id'];
$posts = array();
$now = time();
for ($i = 1; $i <= $p['posts']; $i++) {
    $id = wp_insert_post(array(
        'post_title' => sprintf('Load test notes %02d', $i),
        'post_content' => str_repeat(sprintf("<!-- wp:paragraph --><p>Paragraph of post %d: measured latency, "
            . "throughput and the queries behind each page.</p><!-- /wp:paragraph -->\n", $i), 4),
        'post_status' => 'publish',
        'post_author' => $r['user_id'],
        'post_category' => array($cat),
        'post_date' => gmdate('Y-m-d H:i:s', $now - (40 - $i) * 86400),
    ), true);
    if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message() . "\n"); exit(2); }
    array_unshift($posts, get_permalink($id));
}
$pages = array();
foreach ($p['pages'] as $title) {
    $id = wp_insert_post(array('post_title' => $title, 'post_type' => 'page', 'post_status' => 'publish',
        'post_content' => "<!-- wp:paragraph --><p>$title.</p><!-- /wp:paragraph -->",
        'post_author' => $r['user_id']), true);
    if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message() . "\n"); exit(2); }
    $pages[] = get_permalink($id);
}
echo json_encode(array('posts' => $posts, 'pages' => $pages, 'category' => get_category_link($cat))), "\n";
"""


class _Made(TypedDict):
    posts: list[str]
    pages: list[str]
    category: str


def _install(tmp: Path, config_name: str, base_url: str, php_error_log: Path, admin_password: str) -> _Made:
    script, params = tmp / "wp-install.php", tmp / "wp-install.json"
    script.write_text(_INSTALL_PHP)
    params.write_text(
        json.dumps(
            {
                "host": base_url.removeprefix("http://"),
                "config_name": config_name,
                "web_root": str(WEB_ROOT),
                "title": "Perfscore Field Notes",
                "admin_password": admin_password,
                "permalinks": PERMALINKS,
                "category": CATEGORY,
                "posts": POSTS,
                "pages": list(PAGES),
            }
        )
    )
    params.chmod(0o600)
    proc = subprocess.run(
        [binary("php8.2", "php"), "-d", "log_errors=1", "-d", f"error_log={php_error_log}", str(script), str(params)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    params.unlink()
    if proc.returncode != 0 or not proc.stdout.strip():
        raise WordPressError(
            f"WordPress install failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-800:]}"
        )
    made: _Made = json.loads(proc.stdout.strip().splitlines()[-1])
    return made


# ---------------------------------------------------------------- helpers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(cond: Callable[[], bool], deadline_s: float, what: str) -> None:
    deadline = time.monotonic() + deadline_s
    delay = 0.02
    while not cond():
        if time.monotonic() > deadline:
            raise WordPressError(f"{what} not ready within {deadline_s:.0f} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def _tail(path: Path, lines: int = 6) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path.name})"


def _start_on_free_port(
    launch: Callable[[int], subprocess.Popen[bytes]],
    log: Path,
    what: str,
    extra: Callable[[], bool] = lambda: True,
    deadline_s: float = START_DEADLINE_S,
    attempts: int = 5,
) -> tuple[subprocess.Popen[bytes], int]:
    """A server can't be told port 0 and say which it took: pick a free port, and pick again when another
    process took it between our check and the server's bind."""
    for _ in range(attempts):
        port = _free_port()
        proc = launch(port)

        def up_or_gone(proc: subprocess.Popen[bytes] = proc, port: int = port) -> bool:
            return proc.poll() is not None or (_port_open(port) and extra())

        try:
            _wait(up_or_gone, deadline_s, f"{what} on {port}")
        except WordPressError:
            _terminate(proc, signal.SIGKILL, 5)
            raise WordPressError(f"{what} did not start on {port}: {_tail(log)}") from None
        if proc.poll() is None:
            return proc, port
        if "in use" not in _tail(log, 20):
            raise WordPressError(f"{what} exited ({proc.returncode}): {_tail(log)}")
    raise WordPressError(f"{what}: no free port after {attempts} attempts")


def _terminate(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
