"""Log audits: what the app's error logs say during the window, grouped into distinct messages.

A message is a line without its timestamp, process ids and client details, so the same fatal
error written on 4,210 requests is one message counted 4,210 times.
"""

from __future__ import annotations

import re
from collections import Counter

from perfscore.artifacts.logs import LogsSnapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits.base import Outcome, audit, measured, unavailable, window_requests

PREFIXES = (
    re.compile(r"^\[[^\]]{6,40}\]\s*"),  # PHP and PHP-FPM: [27-Nov-2026 15:37:20 UTC]
    re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: (\*\d+ )?"),  # nginx
)
TAILS = re.compile(r",\s*(client|server|request|upstream|host|referrer): .*$")
TOP = 5
STORM = 0.1  # log lines per request above which the summary calls it a storm


def message(line: str) -> str:
    for prefix in PREFIXES:
        m = prefix.match(line)
        if m:
            level = m.group(1) if m.groups() and m.group(1) else ""
            line = (f"[{level}] " if level else "") + line[m.end() :]
    line = re.sub(r"\b(child|pid|process) \d+", r"\1 N", line)
    return TAILS.sub("", line).strip()


def top_messages(s: LogsSnapshot, most: int = TOP) -> list[tuple[str, int]]:
    counts = Counter(message(line) for f in s.files for line in f.lines if line.strip())
    return counts.most_common(most)


def describe(top: list[tuple[str, int]]) -> str:
    return "; ".join(f"{text[:160]} ×{n:,}" for text, n in top)


@audit(
    "php.log_lines_per_request",
    title="Error-log lines per request",
    unit="lines/request",
    category="error_handling",
    description="lines the configured error logs gained during the window / HTTP requests; the top distinct messages",
    source="https://www.php.net/manual/en/errorfunc.configuration.php",
)
def log_lines_per_request(s: LogsSnapshot, w: WindowSnapshot) -> Outcome:
    readable = [f for f in s.files if f.error is None]
    if not readable:
        return unavailable("no configured log could be read: " + "; ".join(f"{f.path}: {f.error}" for f in s.files))
    requests = window_requests(w)
    lines = sum(f.lines_total for f in readable)
    per = round(lines / requests, 4)
    top = top_messages(s)
    return measured(
        per,
        low_confidence="; ".join(f"{f.path}: {f.error}" for f in s.files if f.error) or None,
        summary=f"{lines:,} log lines for {requests:,} requests: {describe(top)}" if per >= STORM else None,
        lines=lines,
        requests=requests,
        bytes_written=sum(f.bytes_written for f in readable),
        top=[{"message": text, "count": n} for text, n in top],
        files=[{"path": f.path, "lines": f.lines_total, "rotated": f.rotated, "error": f.error} for f in s.files],
    )
