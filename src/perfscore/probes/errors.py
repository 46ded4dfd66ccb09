"""Error-page probe: unknown paths answer 404; error pages leak no stack traces or file paths."""

from __future__ import annotations

import re
import secrets
from typing import Any

from perfscore.probes.base import Probe
from perfscore.probes.http import fetch, join
from perfscore.run import Measurement

# What a leaking error page shows (OWASP error-handling cheat sheet): stack traces,
# interpreter warnings, file paths, SQL errors.
LEAKS = re.compile(
    r"Stack trace:|Traceback \(most recent call last\)|Fatal error|Uncaught [A-Z]\w+|"
    r"(?:Warning|Notice|Deprecated): .{0,200} on line \d+|\.php(?::| on line )\d+|"
    r"/(?:var/www|home/\w+|srv|usr/share/nginx)/\S+|SQLSTATE\[|PDOException|mysqli_|"
    r"at [\w.$]+\([\w.]+\.java:\d+\)",
)


class ErrorPagesProbe(Probe):
    name = "errors"
    metrics = ("http.not_found_status", "http.error_pages_clean")

    def not_configured(self) -> str | None:
        return None if self.ctx.config.target.base_url else "no base_url in the config (or --url flag)"

    def end(self) -> list[Measurement]:
        t = self.ctx.config.target
        assert t.base_url is not None
        timeout = min(10.0, self.ctx.config.audit.probe_timeout_s)
        unknown = f"/perfscore-probe-{secrets.token_hex(6)}"
        nf = fetch(join(t.base_url, unknown), user_agent=t.user_agent, timeout=timeout)
        # Malformed input on the configured endpoints: the answers most likely to be a raw error page.
        pages = [("unknown path", nf)]
        for ep in self.ctx.config.endpoints[:5]:
            bad_path = ep.path.split("?")[0].rstrip("/") + "/%00'\"<x>"
            try:
                pages.append(
                    (
                        f"malformed {ep.label}",
                        fetch(join(t.base_url, bad_path), user_agent=t.user_agent, timeout=timeout),
                    )
                )
            except Exception:  # noqa: BLE001 - one unreachable variant must not hide the others
                continue
        leaks: list[dict[str, Any]] = []
        for what, r in pages:
            m = LEAKS.search(r.text())
            if m:
                start = max(0, m.start() - 80)
                leaks.append(
                    {"page": what, "status": r.status, "url": r.url, "excerpt": r.text()[start : m.end() + 80]}
                )
        return [
            self.measured(
                "http.not_found_status",
                nf.status == 404,
                status=nf.status,
                path=unknown,
                summary=None if nf.status == 404 else f"an unknown path answered {nf.status}, not 404",
            ),
            self.measured(
                "http.error_pages_clean",
                not leaks,
                checked=len(pages),
                leaks=leaks,
                summary=(f"{leaks[0]['page']} leaks internals: {leaks[0]['excerpt'][:160]}" if leaks else None),
            ),
        ]
