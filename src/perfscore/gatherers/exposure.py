"""Exposure gatherer: files that must never be served (.env, .git, dumps, installers …), and whether they are.

Which paths: on the app's own host, every file of such a kind in its web roots (listed by
``perfscore.gatherers.webroot``); for any target, the fixed list below, the suspicious paths a crawl
found and at most MAX_LINKED paths linked from the home page. Each is requested once (GET, only the
first RANGE_BYTES asked for; forms are never followed and nothing is ever POSTed).

A path counts only when the answer is really that file: not the site's fallback page (compared, once
the path, long numbers and tokens are taken out, with the answer to a random path of the same suffix),
and either with content a recogniser knows (``DB_PASSWORD=``, ``ref: refs/``, ``CREATE TABLE``, a setup
form …) or exactly as long as the file on disk. The content itself is never kept: only the kinds.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from perfscore.artifacts.exposure import INSTALLER, SETUP_FORM, SETUP_RAN, ExposureSnapshot, PathCheck, RootListing
from perfscore.gatherers.base import GatherContext, Gatherer, ProbeUnavailable
from perfscore.gatherers.http import Response, fetch, join
from perfscore.gatherers.webroot import WebRoot, by_severity, classify, list_root

# Paths that must never be served (OWASP WSTG-CONF-04, review old backup and unreferenced files).
NEVER_PUBLIC = (
    "/.env",
    "/.env.local",
    "/.env.production",
    "/.git/HEAD",
    "/.git/config",
    "/composer.json",
    "/composer.lock",
    "/phpinfo.php",
    "/info.php",
    "/server-status",
    "/config.yaml",
    "/config.yml",
    "/.htpasswd",
    "/backup.sql",
    "/dump.sql",
    "/database.sql",
    "/db.sql",
    "/backup.zip",
    "/backup.tar.gz",
    "/site.zip",
    "/www.zip",
    "/config.php.bak",
    "/wp-config.php.bak",
)
SUSPECT = re.compile(r"\.(sql|zip|tar\.gz|tgz|gz|bak|old|env|ya?ml|log|ini|conf)$", re.I)
LINK = re.compile(rb"""(?:href|src)\s*=\s*["']([^"'#?]+)""", re.I)
MAX_LINKED = 10
MAX_CRAWLED = 50  # suspicious paths a crawl found, requested at most
MAX_REQUESTS = 300  # paths requested in all (fallback probes included)
BUDGET_S = 25.0  # wall time of the whole check, at most (and at most the probe timeout)
LISTING_BUDGET_S = 6.0  # wall time of listing all the web roots
RANGE_BYTES = 256 * 1024  # asked for of each path: enough to recognise it, never a whole dump

# (kind, pattern on the raw bytes): what a served file is, by its content.
RECOGNISERS: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("secrets in an environment file", re.compile(rb"(?m)^\s*[A-Z][A-Z0-9_]*(PASSWORD|SECRET|_KEY|TOKEN)\s*=")),
    ("git repository", re.compile(rb"(?m)^ref: refs/|\[core\][^\[]*repositoryformatversion")),
    ("SQL dump", re.compile(rb"(?i)\bCREATE TABLE\b|\bINSERT INTO\b")),
    ("phpinfo page", re.compile(rb"(?i)<title>phpinfo\(\)</title>|PHP Version \d+\.\d+.{0,200}PHP License", re.S)),
    ("server status page", re.compile(rb"Apache Server Status|Server Version: Apache")),
    (
        "password hashes",
        re.compile(rb"(?m)^[\w.-]+:\$(apr1|2[aby]|1|5|6)\$|\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(id?|d)\$"),
    ),
    ("credentials in a config file", re.compile(rb"(?im)^\s*(db_?)?pass(word)?\s*[:=]\s*\S+")),
    ("dependency manifest (versions)", re.compile(rb'"(require|packages)"\s*:\s*[\[{]')),
    ("archive", re.compile(rb"\A(PK\x03\x04|\x1f\x8b|7z\xbc\xaf|Rar!\x1a\x07|BZh\d)|\A.{257}ustar", re.S)),
    ("private key", re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("SQLite database", re.compile(rb"\ASQLite format 3\x00")),
)
FORM = re.compile(rb"<form\b", re.I)
# What an installer's form asks for: where the database is, or the first admin's password.
SETUP_WORDS = re.compile(
    rb"(?i)\b(install(ation|er)?|setup|set up)\b|database\s+(host|name|user|server)|db_?(host|name|user|pass)|"
    rb"admin(istrator)?\s+(password|account|user)",
)
# What an installer that acted on the GET says (the config it wrote, the tables it created).
SETUP_DONE = re.compile(
    rb"(?i)\b(config(uration)?( file)?|settings) (has been |was )?(written|saved|created|updated)\b|"
    rb"\binstall(ation)? (is )?(complete|completed|successful|finished|done)\b|\btables? (have been |were )?created\b",
)
# Parts of a page that change from one request to the next: numbers, tokens, nonces.
VOLATILE = re.compile(rb"[0-9a-fA-F]{8,}|[A-Za-z0-9_\-+/=]{32,}|\d+")


def kinds_of(body: bytes) -> list[str]:
    head = body[: 512 * 1024]
    found = [kind for kind, pattern in RECOGNISERS if pattern.search(head)]
    if FORM.search(head) and SETUP_WORDS.search(head):
        found.append(SETUP_FORM)
    if SETUP_DONE.search(head):
        found.append(SETUP_RAN)
    return found


def shape(body: bytes, path: str) -> str:
    """A page's hash once the requested path and what changes per request are taken out: a catch-all
    page that echoes the path or carries a fresh CSRF token still has one shape."""
    b = body[: 512 * 1024]
    for p in sorted({path, unquote(path), PurePosixPath(unquote(path)).name}, key=len, reverse=True):
        if len(p) > 1:
            b = b.replace(p.encode("utf-8", "replace"), b"")
    return hashlib.sha256(VOLATILE.sub(b"", b)).hexdigest()


def _suffix(path: str) -> str:
    name = PurePosixPath(urlsplit(path).path).name
    return "." + name.rsplit(".", 1)[1].lower()[:10] if "." in name.strip(".") else ""


def _parent(path: str) -> str:
    parent = str(PurePosixPath(urlsplit(path).path).parent)
    return parent if parent.endswith("/") else parent + "/"


@dataclass
class _Prober:
    base_url: str
    headers: dict[str, str]
    user_agent: str
    timeout: float
    deadline: float
    requests: int = 0
    fallbacks: dict[tuple[str, str, bool], tuple[int, str]] = field(default_factory=dict)
    fallback_status: int = 0

    def fetch(self, path: str, *, anonymous: bool = False) -> Response:
        left = self.deadline - time.monotonic()
        if left <= 0.2 or self.requests >= MAX_REQUESTS:
            raise _OutOfBudget
        self.requests += 1
        return fetch(
            join(self.base_url, path),
            headers={**({} if anonymous else self.headers), "Range": f"bytes=0-{RANGE_BYTES - 1}"},
            user_agent=self.user_agent,
            timeout=min(self.timeout, left),
        )

    def fallback(self, path: str, where: str = "", anonymous: bool = False) -> tuple[int, str]:
        """(status, shape) of a random path of the same suffix in ``where`` (the root prefix of a listed
        file, else the site's root): what the site answers for a file it does not have."""
        key = (where or "/", _suffix(path), anonymous)
        if key not in self.fallbacks:
            probe = f"{key[0].rstrip('/')}/perfscore-{secrets.token_hex(6)}{key[1] or '.env'}"
            try:
                r = self.fetch(probe, anonymous=anonymous)
                self.fallbacks[key] = (r.status, shape(r.body, probe))
            except ProbeUnavailable:
                self.fallbacks[key] = (0, "")
        return self.fallbacks[key]

    def check(
        self, path: str, source: str, *, kind: str | None = None, size: int | None = None, where: str = ""
    ) -> PathCheck:
        # An installer is judged as anyone sees it: a form shown only to a logged-in admin is no finding.
        anonymous = kind == INSTALLER
        fb_status, fb_shape = self.fallback(path, where, anonymous)
        try:
            r = self.fetch(path, anonymous=anonymous)
        except ProbeUnavailable as exc:
            return PathCheck(path=path, source=source, kind=kind, size_on_disk=size, error=str(exc))
        ok = 200 <= r.status < 300
        return PathCheck(
            path=path,
            source=source,
            kind=kind,
            size_on_disk=size,
            status=r.status,
            content_type=r.headers.get("content-type", "")[:100],
            bytes=_whole_size(r),
            fallback=ok and fb_status == r.status and fb_shape == shape(r.body, path),
            kinds=kinds_of(r.body) if ok else [],
        )


class _OutOfBudget(Exception):
    pass


def _whole_size(r: Response) -> int:
    """The whole file's size: a 206 says it in Content-Range (``bytes 0-99/1234``)."""
    m = re.search(r"/(\d+)\s*$", r.headers.get("content-range", ""))
    return int(m.group(1)) if r.status == 206 and m else len(r.body)


def check_exposure(
    base_url: str,
    *,
    web_roots: Sequence[WebRoot | Path] = (),
    extra_paths: Sequence[str] = (),
    headers: dict[str, str] | None = None,
    user_agent: str = "perfscore",
    timeout: float = 5.0,
    budget_s: float = BUDGET_S,
    linked: bool = True,
) -> ExposureSnapshot:
    """Request every never-public path once and say which the site serves.

    ``web_roots``: the directories this host's web server serves for ``base_url`` (``root``, or ``alias``
    with its location as ``WebRoot.url_prefix``); empty for a target on another host. ``extra_paths``:
    paths a crawl of the site found (those whose name says they must not be public are requested).
    ``headers``: sent with every request (the session's cookie), so that a login redirect does not
    answer in the file's place; not with an installer's, which is judged as an anonymous visitor sees it.
    Installer pages are requested last: a broken installer may act on a GET.
    """
    t0 = time.monotonic()
    p = _Prober(base_url, dict(headers or {}), user_agent, timeout, t0 + max(budget_s, 1.0))
    # The site's answer for a file it cannot have, first: a site that does not answer it is unreachable,
    # and saying so at once proves that (instead of 300 refused requests measured as "nothing exposed").
    first = f"/perfscore-{secrets.token_hex(6)}.env"
    r = p.fetch(first)
    p.fallbacks[("/", "", False)] = (r.status, shape(r.body, first))
    roots: list[RootListing] = []
    todo: list[tuple[str, str, str | None, int | None, str]] = []  # path, source, kind, size, where
    listing_deadline = t0 + min(LISTING_BUDGET_S, budget_s / 3)
    for root in web_roots:
        wr = root if isinstance(root, WebRoot) else WebRoot(root)
        left = listing_deadline - time.monotonic()
        if left <= 0:
            roots.append(RootListing(root=str(wr.path), url_prefix=wr.url_prefix, cut="not listed: no time left"))
            continue
        ls = list_root(wr, max_seconds=left)
        roots.append(
            RootListing(
                root=ls.root,
                url_prefix=wr.url_prefix,
                entries=ls.entries,
                selected=len(ls.candidates),
                symlinks_skipped=ls.symlinks_skipped,
                seconds=ls.seconds,
                cut=ls.cut,
                error=ls.error,
            )
        )
        todo += [(c.url_path, "webroot", c.kind, c.size, wr.url_prefix) for c in by_severity(ls.candidates)]
    seen = {t[0] for t in todo}
    for path in NEVER_PUBLIC:
        if path not in seen:
            todo.append((path, "list", classify(path), None, ""))
            seen.add(path)
    crawled = [q for q in dict.fromkeys(_path_of(x) for x in extra_paths) if q and q not in seen and _suspect(q)]
    todo += [(q, "crawl", classify(q), None, "") for q in crawled[:MAX_CRAWLED]]
    seen.update(crawled[:MAX_CRAWLED])
    if linked:
        try:
            page = p.fetch("/")
            todo += [(q, "page", classify(q), None, "") for q in _linked(base_url, page) if q not in seen]
        except (ProbeUnavailable, _OutOfBudget):
            pass
    # Installers last: a broken one may rewrite the config on a GET, and everything after would see that.
    todo.sort(key=lambda t: t[2] == INSTALLER)
    checks: list[PathCheck] = []
    cut = None
    for path, source, kind, size, where in todo:
        try:
            checks.append(p.check(path, source, kind=kind, size=size, where=where))
        except _OutOfBudget:
            cut = (
                f"{len(todo) - len(checks)} of {len(todo)} paths not requested: the check stopped at "
                f"{MAX_REQUESTS} requests or {budget_s:g}s"
            )
            break
    return ExposureSnapshot(fallback_status=r.status, checks=checks, roots=roots, cut=cut)


def _path_of(url_or_path: str) -> str:
    try:
        parts = urlsplit(url_or_path)
    except ValueError:
        return ""
    return parts.path if parts.path.startswith("/") else ""


def _suspect(path: str) -> bool:
    return classify(path) is not None or bool(SUSPECT.search(path))


def _linked(base_url: str, page: Response) -> list[str]:
    """Same-origin paths the home page links to that look like files nobody should serve."""
    base = join(base_url, "/")
    origin = urlsplit(base).netloc
    found = []
    for raw in LINK.findall(page.body[: 512 * 1024]):
        try:  # a link that is no URL is skipped, not the end of the check
            parts = urlsplit(urljoin(base, raw.decode("utf-8", "replace")))
        except ValueError:
            continue
        if parts.netloc == origin and _suspect(parts.path):
            found.append(parts.path)
    return list(dict.fromkeys(found))[:MAX_LINKED]


class ExposureGatherer(Gatherer):
    """The session may pass what it found about the target: the web roots on this host that serve it,
    the paths a crawl found, the headers (cookie) every probe carries."""

    name = "exposure"

    def __init__(
        self,
        ctx: GatherContext,
        *,
        web_roots: Sequence[WebRoot | Path] = (),
        extra_paths: Sequence[str] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(ctx)
        self.web_roots = list(web_roots)
        self.extra_paths = list(extra_paths)
        self.headers = dict(headers or {})

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def end(self) -> ExposureSnapshot:
        t = self.ctx.config.target
        assert t.base_url is not None
        return check_exposure(
            t.base_url,
            web_roots=self.web_roots,
            extra_paths=self.extra_paths,
            headers={**self.target_headers, **self.headers},
            user_agent=t.user_agent,
            timeout=self.http_timeout,
            budget_s=min(BUDGET_S, self.ctx.config.audit.probe_timeout_s),
        )
