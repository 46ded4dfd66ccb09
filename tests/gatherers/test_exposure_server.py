"""The exposure check against a real nginx and PHP-FPM of its own, serving a web root left as a careless
deployment leaves it: a dump with a password hash, a backup archive, an .env, an installer that shows
its setup form to anyone, a log (blocked), a harmless file, a link out of the root; and a catch-all site
that answers 200 with its home page for every path.

nginx takes its listening sockets from the test (bound to port 0, passed as nginx's inherited sockets),
PHP-FPM a unix socket in the test's temp dir; both stop at the end.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from perfscore.artifacts.exposure import DUMP, INSTALLER, ExposureSnapshot, PathCheck
from perfscore.audits.exposure import no_exposed_files
from perfscore.gatherers.exposure import check_exposure
from perfscore.gatherers.webroot import WebRoot

pytestmark = pytest.mark.server

HASH = "$2y$10$0pQ3VvK9r1mZ7nJcXbqKxu9mYwS0tqk5lWmQ5e9rO0eQy5T0Jw8y."
PEPPER = "pepper-7f3a9c1e55d2"
INSTALLER_PAGE = """<?php
file_put_contents(__DIR__ . '/../requests.txt', $_SERVER['REQUEST_METHOD'] . "\\n", FILE_APPEND);
?><!doctype html><html><head><title>Microfinance setup</title></head><body>
<h1>Installation</h1><form method="post" action="install.php">
Database host <input name="db_host"> Database name <input name="db_name">
Administrator password <input type="password" name="admin_pass"><button>Install</button></form></body></html>
"""
HOME = """<?php
$path = htmlspecialchars($_SERVER['REQUEST_URI']);
$token = bin2hex(random_bytes(16));
?><!doctype html><html><body><h1>Welcome</h1><p>You asked for <?= $path ?></p>
<form method="post" action="/login"><input type="hidden" name="csrf" value="<?= $token ?>">
<input name="user"><input type="password" name="pass"><button>Log in</button></form>
<p>Generated at <?= time() ?></p></body></html>
"""


@dataclass
class Site:
    url: str
    catch_all_url: str
    www: Path
    files: Path
    catch_all_root: Path
    base: Path
    big: Path


def _listening() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    os.set_inheritable(s.fileno(), True)
    return s


def _wait(cond: object, what: str, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if callable(cond) and cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not come up in {limit:g}s")


def _layout(base: Path) -> tuple[Path, Path, Path]:
    www, files, catch_all, outside = base / "www", base / "files", base / "catchall", base / "outside"
    dirs = (www / "db", www / "backup", www / "logs", www / "old", www / "css", files, catch_all, outside, base / "big")
    for d in dirs:
        d.mkdir(parents=True)
    (www / "index.html").write_text("<!doctype html><h1>Microfinance</h1><a href=/about.html>about</a>\n")
    (www / "readme.txt").write_text("A savings and loans system.\n")  # harmless
    (www / "css" / "app.css.gz").write_bytes(b"\x1f\x8b" + b"\0" * 30)  # gzip_static asset: meant to be served
    (www / "db" / "microfinance.sql").write_text(
        "-- MariaDB dump\nCREATE TABLE users (id int, login varchar(40), password_hash varchar(80));\n"
        f"INSERT INTO users VALUES (1,'admin','{HASH}');\n"
    )
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = f"<?php define('PEPPER', '{PEPPER}');\n".encode()
        info = tarfile.TarInfo("config.php")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (www / "backup" / "site-2024.tar.gz").write_bytes(archive.getvalue())
    (www / ".env").write_text(f"APP_ENV=production\nDB_PASSWORD=s3cret-db-pass\nPASSWORD_PEPPER={PEPPER}\n")
    (www / "install.php").write_text(INSTALLER_PAGE)
    (www / "logs" / "app.log").write_text(f"[2024-03-01] login failed for admin from 10.0.0.1 pepper={PEPPER}\n")
    (www / "old" / "config.php.bak").write_text(f"<?php $db_pass = 's3cret-db-pass'; $pepper = '{PEPPER}';\n")
    (outside / "other-app.sql").write_text("CREATE TABLE other (x int);\n")
    (www / "leak.sql").symlink_to(outside / "other-app.sql")
    (www / "shared").symlink_to(outside, target_is_directory=True)
    (files / "export.zip").write_bytes(b"PK\x03\x04" + b"\0" * 60)
    (catch_all / "index.php").write_text(HOME)
    (catch_all / "install.php").write_text("<?php echo 'Already installed.';\n")
    return www, files, catch_all


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    fpm = next((p for n in ("php-fpm8.2", "php-fpm8.3", "php-fpm") if (p := shutil.which(n))), None)
    if not os.path.exists(nginx) or fpm is None:
        pytest.skip("nginx and php-fpm are needed")
    base = tmp_path_factory.mktemp("exposure")
    www, files, catch_all = _layout(base)
    sock = base / "fpm.sock"
    user = "root" if os.geteuid() == 0 else None
    (base / "fpm.conf").write_text(
        f"[global]\npid = {base}/fpm.pid\nerror_log = {base}/fpm.log\ndaemonize = no\n"
        f"[t]\nlisten = {sock}\npm = static\npm.max_children = 2\n"
        + (f"user = {user}\ngroup = {user}\n" if user else "")
    )
    a, b = _listening(), _listening()
    port_a, port_b = a.getsockname()[1], b.getsockname()[1]
    php = (
        "location ~ \\.php$ { include /etc/nginx/fastcgi_params; "
        f"fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name; fastcgi_pass unix:{sock}; }}"
    )
    temp = " ".join(f"{k}_temp_path {base}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (base / "nginx.conf").write_text(
        ("user root;\n" if user else "")
        + f"daemon off; worker_processes 1; pid {base}/nginx.pid; error_log {base}/nginx-error.log;\n"
        f"events {{}}\nhttp {{ include /etc/nginx/mime.types; {temp}\n"
        f"log_format t '\"$request\" $status cookie=$http_cookie'; access_log {base}/access.log t;\n"
        f"server {{ listen 127.0.0.1:{port_a}; root {www}; index index.html;\n"
        "  location /logs/ { deny all; }\n"
        f"  location /files/ {{ alias {files}/; }}\n  location /big/ {{ alias {base}/big/; }}\n  {php} }}\n"
        f"server {{ listen 127.0.0.1:{port_b}; root {catch_all};\n"
        "  location / { try_files $uri /index.php$is_args$args; }\n"
        f"  {php} }}\n}}\n"
    )
    fpm_args = [fpm, "--fpm-config", str(base / "fpm.conf"), "-n"] + (["--allow-to-run-as-root"] if user else [])
    fpm_proc = subprocess.Popen(fpm_args, stderr=subprocess.DEVNULL)
    fds = (a.fileno(), b.fileno())
    nginx_proc = subprocess.Popen(
        [nginx, "-c", str(base / "nginx.conf"), "-e", str(base / "nginx-error.log"), "-p", str(base)],
        env={**os.environ, "NGINX": ";".join(map(str, fds)) + ";"},
        pass_fds=fds,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(sock.exists, "php-fpm")
        _wait(lambda: (base / "nginx.pid").exists(), "nginx")
        urls = (f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}")
        yield Site(*urls, www, files, catch_all, base, base / "big")
    finally:
        for p in (nginx_proc, fpm_proc):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        a.close()
        b.close()


def _by_path(snapshot: ExposureSnapshot) -> dict[str, PathCheck]:
    return {c.path: c for c in snapshot.checks}


def test_every_never_public_file_in_the_web_root_is_requested_once_and_judged(site: Site) -> None:
    (site.base / "requests.txt").unlink(missing_ok=True)
    snap = check_exposure(
        site.url, web_roots=[WebRoot(site.www), WebRoot(site.files, "/files/")], headers={"Cookie": "sid=abc"}
    )
    checks = _by_path(snap)
    m = no_exposed_files(snap)
    exposed = {e["path"]: e for e in m.evidence["exposed"]}
    assert m.value is False
    # The installer that shows its setup form leads, and is named as the critical finding it is.
    assert (m.summary or "").startswith("an installer answers anyone: /install.php"), m.summary
    assert exposed["/install.php"]["kind"] == INSTALLER and "setup form" in exposed["/install.php"]["kinds"]
    assert exposed["/db/microfinance.sql"]["kind"] == DUMP
    assert {"SQL dump", "password hashes"} <= set(exposed["/db/microfinance.sql"]["kinds"])
    assert {"/backup/site-2024.tar.gz", "/.env", "/old/config.php.bak", "/files/export.zip"} <= set(exposed), exposed
    # Blocked by the server: fine. A harmless file and a gzip_static asset are not even asked for.
    assert checks["/logs/app.log"].status == 403 and "/logs/app.log" not in exposed
    assert "/readme.txt" not in checks and "/css/app.css.gz" not in checks
    # The links out of the root were neither listed nor requested.
    assert not [p for p in checks if "leak" in p or "shared" in p or "other-app" in p], list(checks)
    assert snap.roots[0].symlinks_skipped == 2 and snap.roots[0].cut is None
    # Each path once, GET only, the installer never POSTed to; the headers went with every request.
    access = site.base / "access.log"
    _wait(lambda: "/install.php" in access.read_text(), "nginx's access log line of the last request")  # written after
    log = access.read_text().splitlines()
    asked = [line.split('"')[1] for line in log]
    assert all(a.startswith("GET ") for a in asked), asked
    # The session's cookie went with every request but the installer's (and its fallback's): an installer
    # is judged as an anonymous visitor sees it.
    anonymous = [line.split()[1] for line in log if not line.endswith("cookie=sid=abc")]
    assert anonymous[-1] == "/install.php" and len(anonymous) == 2, anonymous
    assert anonymous[0].startswith("/perfscore-") and anonymous[0].endswith(".php"), anonymous
    assert all(line.endswith("cookie=-") for line in log if line.split()[1] in anonymous)
    paths = [a.split()[1] for a in asked]
    assert paths.count("/install.php") == 1 and paths.count("/db/microfinance.sql") == 1, paths
    assert (site.base / "requests.txt").read_text() == "GET\n"
    # No secret from any file, in the snapshot or the measurement.
    saved = snap.model_dump_json() + json.dumps(m.evidence) + (m.summary or "")
    for secret in (PEPPER, HASH, "s3cret-db-pass"):
        assert secret not in saved


def test_a_catch_all_site_that_answers_its_home_page_for_everything_exposes_nothing(site: Site) -> None:
    snap = check_exposure(site.catch_all_url, web_roots=[], extra_paths=["/backup/db.sql", "/about", "/x.zip?v=1"])
    checks = _by_path(snap)
    m = no_exposed_files(snap)
    assert m.value is True, m.evidence["exposed"]
    assert snap.fallback_status == 200
    assert checks["/.env"].status == 200 and checks["/.env"].fallback  # the home page, echoing the path
    assert checks["/backup/db.sql"].source == "crawl" and checks["/x.zip"].source == "crawl"
    assert "/about" not in checks  # a crawled page whose name says nothing is not asked for again
    # Its installer answers 200 but shows no setup form: listed, not a finding.
    snap2 = check_exposure(site.catch_all_url, web_roots=[WebRoot(site.catch_all_root)], linked=False)
    m2 = no_exposed_files(snap2)
    assert m2.value is True and "/install.php" in m2.evidence["unrecognised_200"], m2.evidence


def test_a_web_root_past_the_entry_bound_is_checked_in_bounded_time_and_says_where_it_stopped(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bound lowered to 5,000 entries, for 10 folders of 1,000 empty pages made by touch(1) a thousand at a
    # time: the same cut as 100,000 files past the real 50,000 (tests/gatherers/test_webroot.py holds the
    # listing's own bounds), at a tenth of the files to create and delete (65 s on a busy CI disk).
    from perfscore.gatherers import webroot

    monkeypatch.setattr(webroot, "MAX_ENTRIES", 5_000)
    pages = 'seq 0 999 | sed "s/^/page/;s/$/.html/" | xargs touch'
    script = f'for d in $(seq -w 0 9); do mkdir "d0$d" && (cd "d0$d" && {pages}); done'
    subprocess.run(["sh", "-c", script], cwd=site.big, check=True)
    assert len(list((site.big / "d09").iterdir())) == 1000
    (site.big / "export.sql").write_text("CREATE TABLE loans (id int);\n")  # shallow: seen before any bound
    t0 = time.monotonic()
    snap = check_exposure(site.url, web_roots=[WebRoot(site.big, "/big/")], budget_s=20)
    took = time.monotonic() - t0
    root = snap.roots[0]
    assert root.cut is not None and root.cut.startswith("stopped after"), root  # said, not silent
    assert root.entries <= 5_001 and took < 20, (root, took)  # the entries' bound, or the time's first
    m = no_exposed_files(snap)
    assert m.evidence["exposed"][0]["path"] == "/big/export.sql", m.evidence["exposed"]  # (the site's .env after)
    assert m.evidence["web_roots"][0]["cut"] == root.cut
