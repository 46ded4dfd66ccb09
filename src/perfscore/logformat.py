"""nginx access-log lines into fields: the ``log_format`` string the server's config holds, compiled into a
regular expression, or JSON lines (an ``escape=json`` format).

Pure: no I/O. ``compile_format`` takes the same string nginx takes (``combined`` by default); a variable
followed by a quote or bracket in the format matches up to that character, anything else up to the next
space. ``parse_time`` reads ``$time_local``, ``$time_iso8601`` and ``$msec``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

COMBINED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
)
# combined with the two timings perfscore reads: what the README suggests adding to a server's log_format.
TIMED = COMBINED + " $request_time $upstream_response_time"
NAMED = {"combined": COMBINED, "timed": TIMED}

_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")
# Variables whose values hold the character that may follow them in a format (a space in $time_local).
_SHAPES = {"time_local": r"\d{1,2}/[A-Za-z]{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}"}
_UPSTREAM = r"-|[\d.]+(?:\s*[,:]\s*(?:[\d.]+|-))*"
MAX_FORMAT = 2000


class FormatError(ValueError):
    """A log_format string perfscore cannot read."""


@dataclass(frozen=True)
class Entry:
    """One request of the log, in the units perfscore uses."""

    ts: float  # epoch seconds
    method: str
    path: str
    status: int
    request_time_s: float | None
    upstream_s: float | None
    user_agent: str


LineParser = Callable[[str], "Entry | None"]


def compile_format(fmt: str) -> re.Pattern[str]:
    """The regular expression of an nginx ``log_format`` (or its name: combined, timed)."""
    fmt = NAMED.get(fmt.strip(), fmt)
    if not fmt.strip() or len(fmt) > MAX_FORMAT:
        raise FormatError(f"a log format must be 1 to {MAX_FORMAT} characters")
    out, pos, seen = ["^"], 0, set()
    for m in _VARIABLE.finditer(fmt):
        out.append(re.escape(fmt[pos : m.start()]))
        name = m.group(1) or m.group(2)
        after = fmt[m.end() : m.end() + 1]
        if name in _SHAPES:
            body = _SHAPES[name]
        elif name.startswith("upstream_"):  # "0.050, 0.120" after a retry, "0.1 : 0.2" after a redirect
            body = _UPSTREAM
        elif after == "":
            body = r".*"  # the last: the rest of the line
        else:  # up to the literal that follows: one way to match, however hostile the line (no backtracking)
            body = f"[^{re.escape(after)}\n]*"
        out.append(f"(?P<{name}>{body})" if name not in seen else f"(?:{body})")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(fmt[pos:]) + r"\s*$")
    if not seen & {"request", "request_uri", "uri"} or "status" not in seen:
        raise FormatError("a log format needs $status and one of $request, $request_uri or $uri")
    if not seen & {"time_local", "time_iso8601", "msec"}:
        raise FormatError("a log format needs a time: $time_local, $time_iso8601 or $msec")
    return re.compile("".join(out))


_MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}
_LOCAL = re.compile(r"(\d{2})/([A-Za-z]{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.\d+)? ([+-])(\d{2})(\d{2})")


def parse_time(text: str) -> float | None:
    """Epoch seconds of nginx's $time_local (06/Dec/2026:12:14:31 +0000), $time_iso8601 or $msec."""
    text = text.strip()
    m = _LOCAL.fullmatch(text)
    if m:
        day, mon, year, hh, mm, ss, sign, zh, zm = m.groups()
        if mon not in _MONTHS:
            return None
        try:
            local = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss))
        except ValueError:
            return None
        offset = (int(zh) * 3600 + int(zm) * 60) * (1 if sign == "+" else -1)
        return (local - datetime(1970, 1, 1)).total_seconds() - offset
    if re.fullmatch(r"\d{9,11}(?:\.\d{1,6})?", text):
        return float(text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _seconds(text: str | None) -> float | None:
    """$request_time (0.123), or $upstream_response_time's last figure ("0.050, 0.120" after a retry)."""
    if not text or text == "-":
        return None
    last = text.replace(":", ",").split(",")[-1].strip()
    try:
        v = float(last)
    except ValueError:
        return None
    return v if 0 <= v < 86400 else None


def _entry(fields: dict[str, str]) -> Entry | None:
    when = next((fields[k] for k in ("time_local", "time_iso8601", "msec", "time") if fields.get(k)), None)
    ts = parse_time(str(when)) if when is not None else None
    if ts is None:
        return None
    method, path = fields.get("request_method") or "", fields.get("request_uri") or fields.get("uri") or ""
    request = fields.get("request")
    if request:
        parts = request.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return None  # a probe's garbage (a TLS handshake on the plain port, "-")
        method, path = parts[0], parts[1]
    try:
        status = int(str(fields.get("status", "")))
    except ValueError:
        return None
    if not path.startswith("/") or not 100 <= status <= 599:
        return None
    return Entry(
        ts=ts,
        method=method.upper()[:16] or "GET",
        path=path[:2000],
        status=status,
        request_time_s=_seconds(fields.get("request_time")),
        upstream_s=_seconds(fields.get("upstream_response_time")),
        user_agent=(fields.get("http_user_agent") or "")[:300],
    )


def line_parser(fmt: str | None) -> LineParser:
    """A parser of one line: JSON objects as such, the others by the format (combined by default)."""
    pattern = compile_format(fmt or COMBINED)

    def parse(line: str) -> Entry | None:
        line = line.rstrip("\r\n")
        if line.startswith("{"):
            try:
                doc = json.loads(line)
            except (ValueError, RecursionError):
                return None
            if not isinstance(doc, dict):
                return None
            return _entry({str(k): str(v) for k, v in doc.items() if isinstance(v, str | int | float)})
        m = pattern.match(line)
        return _entry(m.groupdict()) if m else None

    return parse
