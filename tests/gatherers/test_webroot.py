"""The file-kind classifier (by name) and the bounded web-root listing (names and sizes only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from perfscore.artifacts.exposure import (
    ARCHIVE,
    BACKUP,
    CONFIG,
    DATABASE,
    DUMP,
    ENV,
    GIT,
    INSTALLER,
    KEY,
    LOG,
    PASSWORDS,
    PHPINFO,
    SCRIPT,
)
from perfscore.gatherers.webroot import WebRoot, classify, list_root, url_of

KINDS_BY_PATH = [
    # SQL dumps
    ("backup.sql", DUMP),
    ("db/microfinance_2024-03-01.sql", DUMP),
    ("dump.sql.gz", DUMP),
    ("site.dump", DUMP),
    ("mysqldump-2024.gz", DUMP),
    ("data.sqlite", DATABASE),
    # archives
    ("site.zip", ARCHIVE),
    ("www.tar", ARCHIVE),
    ("backup-2024.tar.gz", ARCHIVE),
    ("release.tgz", ARCHIVE),
    ("files.7z", ARCHIVE),
    ("files.rar", ARCHIVE),
    # env and config files
    (".env", ENV),
    (".env.local", ENV),
    (".env.production", ENV),
    (".env.example", ENV),
    ("production.env", ENV),
    ("php.ini", CONFIG),
    ("app/config.ini", CONFIG),
    ("config/database.yml", CONFIG),
    ("secrets.yaml", CONFIG),
    ("parameters.yml", CONFIG),
    ("settings.json", CONFIG),
    (".htpasswd", PASSWORDS),
    ("admin/.htpasswd", PASSWORDS),
    ("id_rsa", KEY),
    ("ssl/server.key", KEY),
    ("ssl/privkey.pem", KEY),
    ("certifi/cacert.pem", None),  # public certificates
    # backups
    ("config.php.bak", BACKUP),
    ("wp-config.php~", BACKUP),
    ("index.php.old", BACKUP),
    ("config.php.orig", BACKUP),
    (".config.php.swp", BACKUP),
    ("settings.php.save", BACKUP),
    # installers and setup scripts
    ("install.php", INSTALLER),
    ("setup.php", INSTALLER),
    ("installer.php", INSTALLER),
    ("install/index.php", INSTALLER),
    ("installer/step2.php", INSTALLER),
    ("db_install.php", INSTALLER),
    ("wp-admin/setup-config.php", INSTALLER),
    ("upgrade.php", INSTALLER),
    ("wp-admin/install-helper.php", INSTALLER),
    ("wp-admin/includes/upgrade.php", None),  # a library file, not an entry point
    ("wp-admin/includes/class-plugin-installer-skin.php", None),
    ("wp-admin/plugin-install.php", None),  # WordPress's plugin browser (behind its login)
    ("vendor/pkg/src/Installer.php", None),
    ("phpinfo.php", PHPINFO),
    ("info.php", PHPINFO),
    ("test_phpinfo.php", PHPINFO),
    # logs
    ("error.log", LOG),
    ("logs/app.log.1", LOG),
    ("access.log.2.gz", LOG),
    ("error_log", LOG),
    # scripts and repositories
    ("backup.sh", SCRIPT),
    (".git/config", GIT),
    # may be public
    ("index.php", None),
    ("login.php", None),
    ("reinstallment_plan.php", None),
    ("css/app.css", None),
    ("js/app.js.gz", None),  # gzip_static's pre-compressed asset
    ("css/app.css.br", None),
    ("img/logo.png", None),
    ("docs/guide.pdf", None),
    ("composer.lock", None),  # versions, no secrets: see the module's docstring
    ("package-lock.json", None),
    ("composer.json", None),
    ("manifest.json", None),
    (".htaccess", None),
    ("robots.txt", None),
    ("docker-compose.yml", None),
    ("", None),
]


@pytest.mark.parametrize(("path", "kind"), KINDS_BY_PATH, ids=[p or "(empty)" for p, _ in KINDS_BY_PATH])
def test_the_kind_of_a_file_by_its_name(path: str, kind: str | None) -> None:
    assert classify(path) == kind


def test_urls_under_an_alias_prefix_are_encoded() -> None:
    assert url_of("/", "db/a b.sql") == "/db/a%20b.sql"
    assert url_of("/files/", "export.zip") == "/files/export.zip"
    assert url_of("files", "#x#") == "/files/%23x%23"


def test_listing_never_follows_a_link_out_of_the_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "www", tmp_path / "outside"
    (root / "db").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.sql").write_text("CREATE TABLE t (x int);\n")
    (root / "db" / "app.sql").write_text("CREATE TABLE users (id int);\n")
    (root / "leak.sql").symlink_to(outside / "secret.sql")
    (root / "more").symlink_to(outside, target_is_directory=True)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / ".git" / "objects").mkdir()
    (root / ".git" / "objects" / "ab.sql").write_text("x")  # inside .git: one candidate for the whole repository
    (root / "node_modules" / "pkg").mkdir(parents=True)
    (root / "node_modules" / "pkg" / "fixture.sql").write_text("x")
    ls = list_root(WebRoot(root))
    paths = {c.url_path: (c.kind, c.size) for c in ls.candidates}
    assert paths == {"/db/app.sql": (DUMP, 29), "/.git/HEAD": (GIT, 21)}, paths
    assert ls.symlinks_skipped == 2 and ls.cut is None and ls.error is None


def test_listing_reads_no_file_content(tmp_path: Path) -> None:
    root = tmp_path / "www"
    root.mkdir()
    (root / "dump.sql").write_text("CREATE TABLE t (x int);\n")
    os.chmod(root / "dump.sql", 0)  # unreadable (to anyone but root): its name and size are enough
    ls = list_root(root)
    assert [(c.url_path, c.size) for c in ls.candidates] == [("/dump.sql", 24)]


def test_a_root_that_is_missing_or_a_file_says_why(tmp_path: Path) -> None:
    assert "no such file" in (list_root(tmp_path / "nope").error or "")
    (tmp_path / "f").write_text("x")
    assert list_root(tmp_path / "f").error == f"{tmp_path / 'f'}: not a directory"


def test_listing_is_bounded_in_depth_and_selection(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*[f"d{i}" for i in range(12)])
    deep.mkdir(parents=True)
    (deep / "deep.sql").write_text("x")
    (tmp_path / "top.log").write_text("x")
    assert [c.url_path for c in list_root(tmp_path, max_depth=4).candidates] == ["/top.log"]
    for i in range(30):
        (tmp_path / f"f{i}.log").write_text("x")
    (tmp_path / "install.php").write_text("<?php")
    ls = list_root(tmp_path, max_selected=5)
    assert len(ls.candidates) == 5 and ls.candidates[0].url_path == "/install.php", ls.candidates
    assert "kept the 5 most severe files" in (ls.cut or "")


def test_listing_stops_at_its_entry_and_time_bounds_and_says_which(tmp_path: Path) -> None:
    (tmp_path / "early.sql").touch()  # breadth first: the root's own files are seen before any bound
    for d in range(20):
        sub = tmp_path / f"d{d:02}"
        sub.mkdir()
        for f in range(100):
            (sub / f"page{f}.html").touch()
    ls = list_root(tmp_path, max_entries=1000)
    assert ls.cut == "stopped after 1,000 entries" and ls.entries == 1001, (ls.cut, ls.entries)
    assert [c.url_path for c in ls.candidates] == ["/early.sql"]
    timed = list_root(tmp_path, max_seconds=0.0)
    assert timed.cut == "stopped after 0s" and timed.entries == 256, (timed.cut, timed.entries)


@pytest.mark.parametrize(
    ("body", "kinds"),
    [
        (b"<form method=post>Database host <input name=db_host></form>", ["setup form"]),
        (b"<h1>Install</h1><form><input name=admin_pass></form>", ["setup form"]),
        (b"Installation complete. Configuration file written.", ["setup ran"]),
        (b"Already installed. Delete the install directory.", []),
        (b"Installation is locked.", []),
        (b"<form action=/login><input name=user><input type=password name=pass></form>", []),
    ],
)
def test_what_an_installer_answered(body: bytes, kinds: list[str]) -> None:
    from perfscore.gatherers.exposure import kinds_of

    assert kinds_of(body) == kinds
