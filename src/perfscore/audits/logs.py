"""Log audits: what the app's error logs say during the window, grouped into distinct messages.

A message is an event's template (``perfscore.logevents``): a multi-line PHP fatal is one event, and the
same fatal written on 4,210 requests is one message counted 4,210 times. Runs saved before templates
hold raw lines; they are templated here the same way.
"""

from __future__ import annotations

import re
from collections import Counter

from perfscore.artifacts.logs import LogsSnapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits.base import Outcome, audit, measured, unavailable, window_requests
from perfscore.logevents import cut, templates

TOP = 5
STORM = 0.1  # log lines per request above which the summary calls it a storm


def top_messages(s: LogsSnapshot, most: int = TOP) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for f in s.files:
        if f.messages:
            counts.update({m.message: m.count for m in f.messages})
        elif f.lines:  # a run saved before templates
            counts.update(templates(f.lines))
    return counts.most_common(most)


# A message at notice level or below explains no failed request: PHP-FPM's own "NOTICE: failed to acquire
# scoreboard" (its status page under contention), PHP's notices and deprecations, nginx's [notice]/[info].
_MINOR = re.compile(r"^(?:NOTICE|DEBUG|INFO):|PHP (?:Notice|Deprecated|Strict Standards):|\[(?:notice|info|debug)\]")


def error_messages(top: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The messages above notice level: what may explain an error."""
    return [(text, n) for text, n in top if not _MINOR.search(text)]


def describe(top: list[tuple[str, int]]) -> str:
    return "; ".join(f"{cut(text, 160)} ×{n:,}" for text, n in top)  # never cut inside a path


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
