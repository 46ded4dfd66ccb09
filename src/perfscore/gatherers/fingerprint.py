"""Pure parsing for the stack facts: PHP's module list, and a framework's fingerprints in an HTTP answer.

No I/O here: the stack gatherer and ``perfscore init`` fetch, these functions read. The fingerprints are
the ones a visitor can see (cookie names, headers, paths and meta tags in the home page), never a value
of a cookie.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# (framework, where, pattern): where is "cookie" (a Set-Cookie name), "header" (name: value), "html" or "path".
FINGERPRINTS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("wordpress", "html", re.compile(r"<meta[^>]+name=[\"']generator[\"'][^>]+content=[\"']WordPress", re.I)),
    ("wordpress", "html", re.compile(r"/wp-(?:content|includes)/", re.I)),
    ("wordpress", "html", re.compile(r"/wp-json/|rel=[\"']https://api\.w\.org/", re.I)),
    ("wordpress", "header", re.compile(r"^link:.*wp-json", re.I)),
    ("wordpress", "cookie", re.compile(r"^wordpress_|^wp-settings-", re.I)),
    ("laravel", "cookie", re.compile(r"^laravel_session$", re.I)),
    ("laravel", "cookie", re.compile(r"^XSRF-TOKEN$")),
    ("drupal", "header", re.compile(r"^x-generator:\s*drupal", re.I)),
    ("drupal", "header", re.compile(r"^x-drupal-", re.I)),
    ("drupal", "html", re.compile(r"<meta[^>]+name=[\"']generator[\"'][^>]+content=[\"']Drupal", re.I)),
    ("drupal", "html", re.compile(r"/sites/(?:default|all)/(?:files|modules|themes)/", re.I)),
    ("symfony", "header", re.compile(r"^x-debug-token", re.I)),
    ("symfony", "html", re.compile(r"/_wdt/|sf-toolbar", re.I)),
    ("symfony", "cookie", re.compile(r"^sf_redirect$|^MOCKSESSID$", re.I)),
    ("codeigniter", "cookie", re.compile(r"^ci_session$", re.I)),
)
PLAIN = ("plain-php", "cookie", re.compile(r"^PHPSESSID$"))
POWERED_PHP = re.compile(r"^x-powered-by:\s*php", re.I)


def cookie_names(set_cookie: str) -> list[str]:
    """The names of the cookies of a Set-Cookie header (repeated headers joined with ", "): never a value."""
    names = []
    for m in re.finditer(r"(?:^|,\s*)([!#$%&'*+.^_`|~0-9A-Za-z-]+)=", set_cookie):
        name = m[1]
        if name.lower() not in {"expires", "path", "domain", "max-age", "samesite"}:
            names.append(name)
    return names


def _fingerprints(cookies: list[str], header_lines: list[str], html: str, paths: list[str]) -> list[tuple[str, str]]:
    """(framework, what was seen) for every fingerprint in the answer, each once."""
    seen: list[tuple[str, str]] = []
    for fw, where, pat in FINGERPRINTS:
        if where == "cookie":
            seen += [(fw, f"{fw}: cookie {c}") for c in cookies if pat.search(c)]
        elif where == "header":
            seen += [(fw, f"{fw}: header {line.split(':', 1)[0]}") for line in header_lines if pat.search(line)]
        else:
            if m := pat.search(html[:500_000]):
                seen.append((fw, f"{fw}: page holds {m[0][:60]!r}"))
            seen += [(fw, f"{fw}: path {p[:80]}") for p in paths if pat.search(p)]
    return list(dict.fromkeys(seen))


def frameworks(headers: Mapping[str, str], html: str, paths: list[str] | None = None) -> tuple[str | None, list[str]]:
    """The framework the answer shows, and every fingerprint seen (``laravel: cookie laravel_session``).

    The framework with the most fingerprints wins; none but a PHP session cookie or an ``X-Powered-By: PHP``
    is plain PHP; nothing at all is None (not PHP as far as a visitor can tell, or a page hiding it)."""
    low = {k.lower(): v for k, v in headers.items()}
    cookies = cookie_names(low.get("set-cookie", ""))
    header_lines = [f"{k}: {v}" for k, v in low.items() if k != "set-cookie"]
    seen = _fingerprints(cookies, header_lines, html, paths or [])
    if [what for fw, what in seen if fw == "laravel"] == ["laravel: cookie XSRF-TOKEN"]:
        seen = [(fw, what) for fw, what in seen if fw != "laravel"]  # XSRF-TOKEN alone: Angular's name too
    evidence = [what for _, what in seen]
    votes: dict[str, int] = {}
    for fw, _ in seen:
        votes[fw] = votes.get(fw, 0) + 1
    if votes:
        return max(votes.items(), key=lambda kv: kv[1])[0], evidence
    plain = [f"plain-php: cookie {c}" for c in cookies if PLAIN[2].search(c)]
    if any(POWERED_PHP.search(line) for line in header_lines):
        plain.append("plain-php: header x-powered-by")
    return ("plain-php" if plain else None), evidence + plain


def php_modules(text: str) -> set[str]:
    """The extensions of ``php -m`` / ``php-fpm -m`` output, lower-case (``[Zend Modules]`` included)."""
    return {line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("[")}


def db_client(modules: set[str]) -> str:
    """pdo_mysql, mysqli, both or none: which MySQL clients the PHP has loaded."""
    pdo, mysqli = "pdo_mysql" in modules, "mysqli" in modules
    return "both" if pdo and mysqli else "pdo_mysql" if pdo else "mysqli" if mysqli else "none"


def opcache_loaded(modules: set[str]) -> bool:
    return "zend opcache" in modules or "opcache" in modules
