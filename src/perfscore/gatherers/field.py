"""Field gatherer: the users' own requests, from the access logs the config names (``field:``, or
``audit --access-log``). This machine's files, read-only, streaming; the period is the ``since`` before the
audit, so the audit's own traffic (perfscore's user agent) is counted apart, never as a user's."""

from __future__ import annotations

import time

from perfscore.artifacts.field import FieldSnapshot
from perfscore.durations import parse_duration
from perfscore.errors import PerfscoreError
from perfscore.field.read import read_logs
from perfscore.gatherers.base import Gatherer, ProbeUnavailable


class FieldGatherer(Gatherer):
    name = "field"
    local = True
    after_others = True  # a long read of log files: never inside the others' timings

    def not_configured(self) -> str | None:
        return None if self.ctx.config.field else "no access logs (config field:, or --access-log)"

    def begin(self) -> None:
        self.began = time.time()

    def end(self) -> FieldSnapshot:
        cfg = self.ctx.config.field
        assert cfg is not None
        paths = [p if p.is_absolute() else self.ctx.base_dir / p for p in cfg.access_logs]
        since_s = parse_duration(cfg.since, "field.since")
        try:  # up to the audit's start: its own traffic is no user's, whatever user agent it sends
            summary = read_logs(paths, cfg.log_format, since=self.began - since_s, until=self.began)
        except PerfscoreError as exc:
            raise ProbeUnavailable(exc.message) from None
        return FieldSnapshot(logs=[str(p) for p in paths], since_s=since_s, scores=cfg.scores, summary=summary)
