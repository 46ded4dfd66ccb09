"""Exposure gatherer: files that must never be served (.env, .git, dumps, phpinfo …), and whether they are.

A path counts only when the answer is really that file: not the site's fallback page (compared by
hash with the answer to a random path), and with content a recogniser knows (``DB_PASSWORD=``,
``ref: refs/``, ``CREATE TABLE``, the phpinfo title …). The content itself is never kept: only the
kinds recognised. Bounded: the fixed list below, plus at most MAX_LINKED paths linked from the page.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from urllib.parse import urljoin, urlsplit

from perfscore.artifacts.exposure import ExposureSnapshot, PathCheck
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.http import Response, fetch, join

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

# (kind, pattern on the raw bytes): what a served file is, by its content.
RECOGNISERS: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("secrets in an environment file", re.compile(rb"(?m)^\s*[A-Z][A-Z0-9_]*(PASSWORD|SECRET|_KEY|TOKEN)\s*=")),
    ("git repository", re.compile(rb"(?m)^ref: refs/|\[core\][^\[]*repositoryformatversion")),
    ("SQL dump", re.compile(rb"(?i)\bCREATE TABLE\b|\bINSERT INTO\b")),
    ("phpinfo page", re.compile(rb"(?i)<title>phpinfo\(\)</title>|PHP Version \d+\.\d+.{0,200}PHP License", re.S)),
    ("server status page", re.compile(rb"Apache Server Status|Server Version: Apache")),
    ("password hashes", re.compile(rb"(?m)^[\w.-]+:\$(apr1|2[aby]|1|5|6)\$")),
    ("credentials in a config file", re.compile(rb"(?im)^\s*(db_?)?pass(word)?\s*[:=]\s*\S+")),
    ("dependency manifest (versions)", re.compile(rb'"(require|packages)"\s*:\s*[\[{]')),
    ("archive", re.compile(rb"\A(PK\x03\x04|\x1f\x8b|7z\xbc\xaf)")),
)


def kinds_of(body: bytes) -> list[str]:
    return [kind for kind, pattern in RECOGNISERS if pattern.search(body[: 512 * 1024])]


class ExposureGatherer(Gatherer):
    name = "exposure"

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def _fetch(self, path: str) -> Response:
        t = self.ctx.config.target
        assert t.base_url is not None
        return fetch(
            join(t.base_url, path), headers=self.target_headers, user_agent=t.user_agent, timeout=self.http_timeout
        )

    def end(self) -> ExposureSnapshot:
        fallback = self._fetch(f"/perfscore-{secrets.token_hex(6)}.env")
        fallback_hash = hashlib.sha256(fallback.body).hexdigest()
        paths = [(p, "list") for p in NEVER_PUBLIC] + [(p, "page") for p in self._linked() if p not in NEVER_PUBLIC]
        checks = [self._check(path, source, fallback_hash) for path, source in paths]
        return ExposureSnapshot(fallback_status=fallback.status, checks=checks)

    def _check(self, path: str, source: str, fallback_hash: str) -> PathCheck:
        try:
            r = self._fetch(path)
        except ProbeUnavailable as exc:
            return PathCheck(path=path, source=source, error=str(exc))
        return PathCheck(
            path=path,
            source=source,
            status=r.status,
            content_type=r.headers.get("content-type", "")[:100],
            bytes=len(r.body),
            fallback=hashlib.sha256(r.body).hexdigest() == fallback_hash,
            kinds=kinds_of(r.body) if r.status == 200 else [],
        )

    def _linked(self) -> list[str]:
        """Same-origin paths the home page links to that look like files nobody should serve."""
        t = self.ctx.config.target
        assert t.base_url is not None
        try:
            page = self._fetch("/")
        except ProbeUnavailable:
            return []
        base = join(t.base_url, "/")
        origin = urlsplit(base).netloc
        found = []
        for raw in LINK.findall(page.body[: 512 * 1024]):
            try:  # a link that is no URL is skipped, not the end of the check
                parts = urlsplit(urljoin(base, raw.decode("utf-8", "replace")))
            except ValueError:
                continue
            if parts.netloc == origin and SUSPECT.search(parts.path):
                found.append(parts.path)
        return list(dict.fromkeys(found))[:MAX_LINKED]
