"""What a web root on this host holds that must never be public: the files, by name, and their URLs.

Given the directories a web server serves (``root``/``alias`` from ``nginx -T``, found elsewhere), the
listing walks each one, bounded in depth, entries and time, never following a symbolic link (a link
inside the root may point out of it), and never opening a file: names and sizes are all it reads. Each
file whose name says it must not be public (``classify``) becomes a URL the exposure gatherer requests
once and judges by the answer.

Lock files and manifests (``composer.lock``, ``package-lock.json``) are not selected here: they list
versions, not secrets, a framework's web root rarely holds them, and ``vendor/`` trees hold hundreds
of them, which would spend the request budget on noise (the fixed list still asks for ``/composer.lock``).
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

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
    KINDS,
    LOG,
    PASSWORDS,
    PHPINFO,
    SCRIPT,
)

MAX_DEPTH = 8  # directories below the root
MAX_ENTRIES = 50_000  # directory entries looked at, per root
MAX_SECONDS = 3.0  # wall time, per root
MAX_SELECTED = 200  # files selected, per root

# Directories never worth entering: dependency trees are large and their files are the packages' own.
SKIP_DIRS = frozenset({"node_modules", "bower_components", ".svn", ".hg", "__pycache__"})
# Pre-compressed static assets (nginx gzip_static) end in .gz too, and are meant to be served.
ASSET_GZ = re.compile(r"\.(js|mjs|css|html?|svg|json|xml|txt|map|wasm|ico|ttf|otf|eot|woff2?)\.(gz|br)$", re.I)
SECRET_NAME = re.compile(r"(secret|credential|passw|database|\bdb\b|parameters|settings|config|\benv\b|prod)", re.I)

# (kind, pattern on the file name, lower case): the first that matches names the kind.
_BY_NAME: tuple[tuple[str, re.Pattern[str]], ...] = (
    (ENV, re.compile(r"^\.env(\..+)?$|\.env$|^env\.(local|prod|production|dev|staging|bak|backup|old|save)$")),
    (DUMP, re.compile(r"\.(sql|dump|sql\.(gz|bz2|xz|zip|7z|tgz))$|^[^.]*dump[^.]*\.(gz|bz2|xz)$")),
    (LOG, re.compile(r"\.log(\.\d+)?(\.(gz|bz2|xz))?$|^error_log$|^(access|error|debug|php_errors)[._-]log")),
    (DATABASE, re.compile(r"\.(sqlite3?|db3|mdb|accdb)$")),
    (PASSWORDS, re.compile(r"^\.(htpasswd|pgpass|netrc|my\.cnf)$|^htpasswd$|\.htpasswd$")),
    (KEY, re.compile(r"^id_(rsa|dsa|ecdsa|ed25519)$|\.(key|p12|pfx|jks|keystore)$|(priv|key)[^/]*\.pem$")),
    (
        BACKUP,
        re.compile(r"(~|\.bak\d*|\.old|\.orig|\.swp|\.swo|\.save|\.backup|\.copy|\.tmp|\.dist\.bak)$|^#.*#$|^\.#"),
    ),
    (ARCHIVE, re.compile(r"\.(zip|tar|tar\.(gz|bz2|xz|zst)|tgz|tbz2?|txz|gz|bz2|xz|7z|rar|war|jar)$")),
    (CONFIG, re.compile(r"\.(ini|conf|cnf|cfg|config|neon|properties)$|^(web|app)\.config$")),
    (SCRIPT, re.compile(r"\.(sh|bash|ps1|bat|cmd)$")),
    (PHPINFO, re.compile(r"^(php_?info|info|phpinfo\d*|test_?php)\.php\d?$|phpinfo")),
)
# An entry point that installs: named so (install.php, setup-config.php, db_install.php) or inside an
# install/ directory; a library file that merely mentions installing (class-plugin-installer-skin.php,
# includes/upgrade.php) is not requested: running an include file directly tests nothing.
_INSTALLER_NAME = re.compile(r"^(install|installer|installation|setup|upgrade)([_.-]|$|\d)|_install")
_LIBRARY_DIRS = frozenset({"includes", "include", "inc", "lib", "libs", "vendor", "src", "classes"})
_INSTALLER_DIRS = frozenset({"install", "installer", "installation", "setup", "_install", "_installer"})
_PHP = re.compile(r"\.(php\d?|phtml|inc)$")


def classify(relpath: str) -> str | None:
    """The kind of a file, by its path inside the web root (``a/b/c.sql``), or None when it may be public.

    By name alone: the answer to a request of it decides whether it is served.
    """
    parts = PurePosixPath(relpath.lower().strip("/")).parts
    if not parts:
        return None
    name = parts[-1]
    if ".git" in parts[:-1] or name == ".git":
        return GIT
    if _PHP.search(name):
        base = _PHP.sub("", name)
        dirs = set(parts[:-1])
        if (_INSTALLER_NAME.search(base) or dirs & _INSTALLER_DIRS) and not dirs & _LIBRARY_DIRS:
            return INSTALLER
    if ASSET_GZ.search(name):
        return None
    for kind, pattern in _BY_NAME:
        if pattern.search(name):
            return kind
    structured = name.endswith((".yml", ".yaml", ".json", ".xml"))
    manifest = name.endswith((".lock", "-lock.json", "package.json", "composer.json", "manifest.json"))
    if structured and not manifest and SECRET_NAME.search(name.rsplit(".", 1)[0]):
        return CONFIG
    return None


@dataclass(frozen=True)
class WebRoot:
    """A directory a web server serves, and the URL path it is served under (``/`` for ``root``; the
    ``location`` prefix for ``alias``)."""

    path: Path
    url_prefix: str = "/"


@dataclass(frozen=True)
class Candidate:
    url_path: str  # percent-encoded, starting with "/"
    kind: str
    size: int | None  # on disk, bytes


@dataclass
class Listing:
    root: str
    candidates: list[Candidate] = field(default_factory=list)
    entries: int = 0  # directory entries looked at
    cut: str | None = None  # why the listing stopped early (a bound), None when it saw everything
    error: str | None = None  # why the root could not be listed at all
    symlinks_skipped: int = 0
    seconds: float = 0.0


def url_of(prefix: str, relpath: str) -> str:
    prefix = "/" + prefix.strip("/")
    rel = quote(relpath.strip("/"), safe="/-._~")
    return (prefix.rstrip("/") + "/" + rel) if rel else prefix


def list_root(
    root: WebRoot | Path,
    *,
    max_depth: int = MAX_DEPTH,
    max_entries: int | None = None,  # MAX_ENTRIES
    max_seconds: float = MAX_SECONDS,
    max_selected: int = MAX_SELECTED,
) -> Listing:
    """The files under one web root whose kind must not be public, bounded; reads names and sizes only.

    Symbolic links are never followed (neither to directories nor to files): a link may lead out of the
    root, and what it leads to is another root's business. A ``.git`` directory is one candidate
    (``.git/HEAD`` and ``.git/config``), not thousands of objects.
    """
    wr = root if isinstance(root, WebRoot) else WebRoot(root)
    max_entries = MAX_ENTRIES if max_entries is None else max_entries
    out = Listing(root=str(wr.path))
    t0 = time.monotonic()
    try:
        top = wr.path.resolve(strict=True)
    except OSError as exc:
        out.error = f"{wr.path}: {exc.strerror or type(exc).__name__}".lower()
        return out
    if not top.is_dir():
        out.error = f"{wr.path}: not a directory"
        return out
    queue = deque([(top, 0)])  # breadth first: within the bounds, the shallow files (where dumps are left) first
    while queue and not out.cut:
        here, depth = queue.popleft()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # an unreadable directory is skipped, not the end of the listing
        for entry in entries:
            out.entries += 1
            if out.entries > max_entries:
                out.cut = f"stopped after {max_entries:,} entries"
                break
            if out.entries % 256 == 0 and time.monotonic() - t0 > max_seconds:
                out.cut = f"stopped after {max_seconds:g}s"
                break
            sub = _look(entry, top, wr.url_prefix, out)
            if sub is not None and depth < max_depth:
                queue.append((sub, depth + 1))
    if len(out.candidates) > max_selected:
        out.candidates = by_severity(out.candidates)[:max_selected]
        out.cut = (out.cut + "; " if out.cut else "") + f"kept the {max_selected} most severe files"
    out.seconds = round(time.monotonic() - t0, 3)
    return out


def _look(entry: os.DirEntry[str], top: Path, prefix: str, out: Listing) -> Path | None:
    """Select the entry when its kind must not be public; a directory to enter is returned."""
    if entry.is_symlink():
        out.symlinks_skipped += 1
        return None
    rel = os.path.relpath(entry.path, top).replace(os.sep, "/")
    try:
        is_dir = entry.is_dir(follow_symlinks=False)
    except OSError:
        return None
    if is_dir and entry.name == ".git":
        for inner in ("HEAD", "config"):
            size = _size(Path(entry.path) / inner)
            if size is not None:
                out.candidates.append(Candidate(url_of(prefix, f"{rel}/{inner}"), GIT, size))
        return None
    if is_dir:
        return None if entry.name in SKIP_DIRS else Path(entry.path)
    kind = classify(rel)
    if kind is not None:
        out.candidates.append(Candidate(url_of(prefix, rel), kind, _size(Path(entry.path))))
    return None


def _size(p: Path) -> int | None:
    """A regular file's size, never through a symbolic link; None for anything else."""
    try:
        st = p.lstat()
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def by_severity(cands: list[Candidate]) -> list[Candidate]:
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(cands, key=lambda c: (order.get(c.kind, len(order)), c.url_path.count("/"), c.url_path))
