"""Text from outside made safe to print and to store: no control characters, no secret.

Servers answer with text perfscore shows (an error message, the first line of
a 5xx page, a log line, a process's command line). A hostile or broken one can
put terminal escape sequences in it (retitle the window, clear the screen,
print a fake "score 100/100") or echo the password it was sent. Every such
text passes through ``clean`` before it is printed or stored:

- control characters go (C0 but tab and newline, DEL, C1, and the Unicode
  bidirectional overrides that reorder what a reader sees);
- ``scheme://user:password@`` loses its userinfo;
- every secret perfscore resolved in this process (``remember``) becomes ``***``.

Numbers sent as text (SHOW STATUS, INFO) are figures, not echoes: ``clean_tree``
leaves them alone, so a password that reads like a number does not rewrite them.
"""

from __future__ import annotations

import re
import threading
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


def _secrets(extra: Iterable[str] | None) -> list[str]:
    found = known_secrets()
    for s in extra or ():
        if s and len(s) >= MIN_SECRET and s not in found:
            found.append(s)
    return sorted(found, key=len, reverse=True)


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
    if oneline:
        text = text.replace("\r\n", " ").replace("\n", " ")
    return redact(_CONTROL.sub("", text), secrets)


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
        return _redact(_CONTROL.sub("", node), secrets)  # the secrets sorted once per tree, not per string
    if isinstance(node, dict):
        return {_tree(k, secrets): _tree(v, secrets) for k, v in node.items()}
    if isinstance(node, list):
        return [_tree(v, secrets) for v in node]
    return node
