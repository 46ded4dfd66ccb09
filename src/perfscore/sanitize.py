"""Text from outside made safe to print and to store: no control characters, no secret.

Servers answer with text perfscore shows (an error message, the first line of
a 5xx page, a log line, a process's command line). A hostile or broken one can
put terminal escape sequences in it (retitle the window, clear the screen,
print a fake "score 100/100") or echo the password it was sent. Every such
text passes through ``clean`` before it is printed or stored:

- control characters go (C0 but tab and newline, DEL, C1, and the Unicode
  bidirectional overrides that reorder what a reader sees);
- ``scheme://user:password@`` loses its userinfo;
- every secret perfscore resolved in this process (``remember``) becomes ``***``, and so do the
  forms a server or a log may echo it in: without its control characters, base64 (standard and
  URL-safe, padded or not), URL-encoded (``%XX`` and ``+``) and hex (either case).

Secrets are replaced before control characters are stripped and again after: a password with a
control character must not come out stripped of it and unredacted, nor one echoed with a control
character inserted come out joined up again.

Numbers sent as text (SHOW STATUS, INFO) are figures, not echoes: ``clean_tree``
leaves them alone, so a password that reads like a number does not rewrite them.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import urllib.parse
from collections.abc import Iterable
from typing import Any

REDACTED = "***"
MIN_SECRET = 3  # shorter "secrets" would blank out ordinary words

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/?#@\[\]]*@")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")

_lock = threading.Lock()
_known: list[str] = []


def remember(secrets: Iterable[str | None]) -> None:
    """Secrets this process holds (resolved passwords): they never leave it in any printed or written text."""
    with _lock:
        for s in secrets:
            if s and len(s) >= MIN_SECRET and s not in _known:
                _known.append(s)
        _known.sort(key=len, reverse=True)


def known_secrets() -> list[str]:
    with _lock:
        return list(_known)


def encoded_forms(secret: str) -> set[str]:
    """``secret`` and the spellings it may be echoed in (see the module's text), each long enough to redact."""
    raw = secret.encode("utf-8", errors="surrogatepass")
    b64 = base64.b64encode(raw).decode("ascii")
    url = base64.urlsafe_b64encode(raw).decode("ascii")
    hexed = binascii.hexlify(raw).decode("ascii")
    forms = {
        secret,
        _CONTROL.sub("", secret),
        b64,
        b64.rstrip("="),
        url,
        url.rstrip("="),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
        hexed,
        hexed.upper(),
    }
    return {f for f in forms if len(f) >= MIN_SECRET}


def _secrets(extra: Iterable[str] | None) -> list[str]:
    found = known_secrets()
    for s in extra or ():
        if s and len(s) >= MIN_SECRET and s not in found:
            found.append(s)
    return sorted({f for s in found for f in encoded_forms(s)}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret replaced (and URL userinfo dropped); control characters are kept."""
    return _redact(text, _secrets(secrets))


def _redact(text: str, ordered: list[str]) -> str:
    text = _USERINFO.sub(r"\1" + REDACTED + "@", text)
    for s in ordered:
        text = text.replace(s, REDACTED)
    return text


def clean(text: str, secrets: Iterable[str] | None = None, *, oneline: bool = False) -> str:
    """``text`` fit for a terminal or a report: no control characters, no secrets; one line if asked."""
    ordered = _secrets(secrets)
    text = _redact(text, ordered)  # before the newlines go: a secret may hold one
    if oneline:
        text = text.replace("\r\n", " ").replace("\n", " ")
    return _strip_redacted(text, ordered)


def _strip_redacted(text: str, ordered: list[str]) -> str:
    """Redacted before the control characters go (a secret's own control character is part of it), and
    after (a server that puts one inside the secret it echoes must not have it joined up again)."""
    if "://" not in text and not any(s in text for s in ordered) and not _CONTROL.search(text):
        return text  # nothing to redact or strip: most text (a rubric's 2,000 strings cleaned in 2 ms, not 18)
    return _redact(_CONTROL.sub("", _redact(text, ordered)), ordered)


def one_line(text: str) -> str:
    """A name shown at the head of a line (a target's): its whitespace, newlines included, made single spaces."""
    return " ".join(text.split())


def clean_tree(node: Any, secrets: Iterable[str] | None = None) -> Any:
    """``clean`` applied to every string of a JSON-like tree (keys too); numbers and text numbers untouched."""
    wanted = _secrets(secrets)
    return _tree(node, wanted)


def _tree(node: Any, secrets: list[str]) -> Any:
    if isinstance(node, str):
        if _NUMBER.fullmatch(node):
            return node
        return _strip_redacted(node, secrets)  # the secrets sorted once per tree, not per string
    if isinstance(node, dict):
        return {_tree(k, secrets): _tree(v, secrets) for k, v in node.items()}
    if isinstance(node, list):
        return [_tree(v, secrets) for v in node]
    return node
