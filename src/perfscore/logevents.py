"""Error-log lines into events and message templates: pure, no I/O.

An *event* is what one error wrote: a multi-line PHP fatal (its message, ``Stack trace:``, the ``#0 ...``
frames, ``#N {main}``, ``thrown in ...``) is one event, kept as its message and its first frame. A
*template* is an event without what varies per request or person: timestamps, pids, clients, numbers,
ids, quoted values and e-mail addresses become placeholders, so the same fatal written on 4,210
requests is one template counted 4,210 times, and a saved run carries no log line (they hold personal
data into CI artifacts). File paths are kept whole: they are the evidence a human acts on.

Formats (prefixes) recognised: PHP's ``[27-Nov-2026 15:37:20 UTC]``, PHP-FPM's
``[27-Nov-2026 15:37:20] WARNING: [pool www] child 12 said into stderr: "..."``, nginx's
``2026/11/27 15:37:20 [error] 1234#1234: *56 ...`` and MariaDB's ``2026-11-27 15:37:20 0 [Warning] ...``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

MAX_CHARS = 240  # a template is cut at a word boundary after this, never inside a path
PREFIXES = (
    # PHP-FPM relaying a worker's stderr: the worker's text is the message.
    re.compile(
        r'^\[[^\]]{6,40}\]\s+(?P<head>\w+: \[pool [^\]]+\] child) \d+ said into std(?:err|out): "(?P<inner>.*?)"?\s*$'
    ),
    re.compile(r"^\[[^\]]{6,40}\]\s*"),  # PHP and PHP-FPM: [27-Nov-2026 15:37:20 UTC]
    re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(?P<level>\w+)\] \d+#\d+: (?:\*\d+ )?"),  # nginx
    re.compile(r"^\d{4}-\d\d-\d\d\s+\d{1,2}:\d\d:\d\d\s+\d+\s+\[(?P<level>\w+)\]\s*"),  # MariaDB 10.x
)
CONTINUATION = re.compile(r"^(?:PHP )?(?:Stack trace:|#\d+ |\s*thrown in |\s+\d+\. |PHP\s+\d+\. )")
FRAME = re.compile(r"^#0 (?P<frame>.+)$")
TAILS = re.compile(r",\s*(client|server|request|upstream|host|referrer): .*$")
PATH = re.compile(r"^\(?(?:/|\./|[A-Za-z]:\\)[\w.@%+~\-/\\]*[\w/](?:[:(]\d+\)?)?[),:]?$")
QUOTED = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
HEXID = re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b", re.I)
NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?![\w])")


@dataclass(frozen=True)
class Event:
    message: str  # the first line without its prefix
    frame: str | None = None  # the first stack frame of a PHP exception, when there is one


FASTCGI = re.compile(r'FastCGI sent in stderr: "(?P<inner>PHP message: .*?)"(?P<rest> while .*)?$')


def _strip(line: str) -> tuple[str, str]:
    """The line without its log prefix, and the part a continuation is recognised by (a worker's text
    relayed by PHP-FPM or nginx is itself a log line: "Stack trace:", "#0 ..." arrive that way too)."""
    line = line.rstrip()
    for prefix in PREFIXES:
        m = prefix.match(line)
        if m:
            groups = m.groupdict()
            if groups.get("inner") is not None:  # unquoted: the relayed text is templated, not hidden
                return f"{groups['head']} N said into stderr: {groups['inner']}", groups["inner"]
            level = groups.get("level")
            text = line[m.end() :]
            text = FASTCGI.sub(lambda f: f"FastCGI sent in stderr: {f['inner']}{f['rest'] or ''}", text)
            return (f"[{level}] " if level else "") + text, text
    return line, line


def events(lines: list[str]) -> list[Event]:
    """The events of a log's lines: continuation lines (stack traces) belong to the event before them."""
    out: list[Event] = []
    for raw in lines:
        if not raw.strip():
            continue
        text, core = _strip(raw)
        if out and CONTINUATION.match(core):
            frame = FRAME.match(core.strip())
            if frame and out[-1].frame is None:
                out[-1] = Event(out[-1].message, frame["frame"])
            continue
        out.append(Event(text))
    return out


def _quoted(m: re.Match[str]) -> str:
    inner = m[1] if m[1] is not None else m[2]
    q = "'" if m[1] is not None else '"'
    if PATH.match(inner) and " " not in inner:
        return m[0]  # a quoted path stays: it is the evidence, not a person's value
    if re.fullmatch(r"[A-Z]{3,7} /\S* HTTP/\d(?:\.\d)?", inner):  # a request line: method and path, no query
        method, path, _ = inner.split(" ")
        return f"{q}{method} {path.split('?', 1)[0]}{'?…' if '?' in path else ''}{q}"
    return f"{q}?{q}"


def _word(w: str, before: str = "") -> str:
    if PATH.match(w) or (before == "line" and w.rstrip(".,").isdigit()) or re.fullmatch(r"\[\d+\]", w):
        return w  # paths whole with their line numbers (/app/Loan.php:12, "on line 12"), error codes ([2002])
    w = EMAIL.sub("<email>", w)
    w = UUID.sub("<id>", w)
    w = IPV4.sub("<ip>", w)
    w = HEXID.sub("<id>", w)
    return NUMBER.sub("N", w)


def _words(text: str) -> str:
    words = text.split()
    return " ".join(_word(w, words[i - 1] if i else "") for i, w in enumerate(words))


def cut(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` at most about ``limit`` characters, cut between words: a path is kept whole or dropped."""
    if len(text) <= limit:
        return text
    words, size = text.split(" "), 0
    out: list[str] = []
    for w in words:
        if size + len(w) > limit and out:
            if PATH.match(w) and size + len(w) <= limit + 200:  # the path that straddles the limit stays whole
                out.append(w)
            break
        out.append(w)
        size += len(w) + 1
    return " ".join(out) + " …"


def template(event: Event) -> str:
    """The event without what varies per request or person."""
    text = TAILS.sub("", event.message)
    text = re.sub(r"\b(child|pid|process|thread|connection|Connection) \d+", r"\1 N", text)
    text = QUOTED.sub(_quoted, text)
    text = _words(text)
    if event.frame:
        frame = _words(QUOTED.sub(_quoted, event.frame))
        text = f"{text} [first frame: {frame}]"
    return cut(text)


def templates(lines: list[str]) -> Counter[str]:
    return Counter(template(e) for e in events(lines))
