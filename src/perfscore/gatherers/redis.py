"""Redis gatherer: INFO at the window's start and end, CONFIG GET, PING round trips, SLOWLOG LEN."""

from __future__ import annotations

import time
from typing import Any

from perfscore.artifacts.redis import RedisSnapshot
from perfscore.config import RedisConfig, resolve_password
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.gatherers.clients import redis_client, redis_sockets, shutdown

PINGS = 50


def _reason(exc: Exception) -> str:
    text = str(exc)
    low = text.lower()
    if (
        "noauth" in low
        or "wrongpass" in low
        or "invalid password" in low
        or "authentication" in low
        or ("username-password" in low or type(exc).__name__ == "AuthenticationError")
    ):
        return "access denied (authentication failed)"
    if "timeout" in low or "timed out" in low:
        return "timeout: no answer in time"
    if "refused" in low:
        return "connection refused"
    return f"{type(exc).__name__}: {text[:200]}"


class RedisGatherer(Gatherer):
    name = "redis"
    reads_counters = True
    info1: dict[str, Any] | None = None
    after_error: str | None = None
    window = 0.0
    client: Any = None
    info0: dict[str, Any]
    t0 = 0.0

    @property
    def cfg(self) -> RedisConfig:
        assert self.ctx.config.redis is not None
        return self.ctx.config.redis

    def not_configured(self) -> str | None:
        return None if self.ctx.config.redis else "no redis section in the config (or --redis flag)"

    def _call(self, fn: str, *args: Any) -> Any:
        import redis

        try:
            return getattr(self.client, fn)(*args)
        except (redis.RedisError, OSError) as exc:
            raise ProbeUnavailable(_reason(exc)) from None

    def counting(self) -> bool:
        return self.client is not None

    def abort(self) -> None:
        for sock in redis_sockets(self.client):
            shutdown(sock)

    def begin(self) -> None:
        cfg = self.cfg
        password = resolve_password(cfg, self.ctx.base_dir, "redis", optional=True)
        self.client = redis_client(cfg.url, password, cfg.timeout_s)
        try:
            self.info0 = self._call("info", "all")
        except ProbeUnavailable as exc:
            if password is None and cfg.password_env and "access denied" in str(exc):
                # A password_env nobody set: Redis without AUTH is tried first (it may need none).
                raise ProbeUnavailable(f"Redis wants a password: set {cfg.password_env}") from None
            raise
        self.t0 = time.monotonic()

    def sample(self) -> None:
        try:
            self.info1 = self._call("info", "all")
        except ProbeUnavailable as exc:  # Redis went away during the window: the audits use the start
            self.after_error = str(exc)
        self.window = round(time.monotonic() - self.t0, 3)

    def end(self) -> RedisSnapshot:
        try:
            if self.info1 is None and self.after_error is None:
                self.sample()
            if self.info1 is None:
                return RedisSnapshot(info_before=self.info0, after_error=self.after_error)
            return RedisSnapshot(window_s=self.window, info_before=self.info0, info_after=self.info1, **self._extras())
        finally:
            self.client.close()

    def _extras(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            got = self._call("config_get", "latency-monitor-threshold")
            out["latency_monitor_threshold_ms"] = int(got.get("latency-monitor-threshold", 0))
        except ProbeUnavailable as exc:
            out["latency_monitor_error"] = str(exc)
        try:
            rtts = []
            for _ in range(PINGS):
                t0 = time.perf_counter()
                self._call("ping")
                rtts.append(round((time.perf_counter() - t0) * 1000, 4))
            out["ping_ms"] = rtts
            out["slowlog_len"] = self._call("slowlog_len")
        except ProbeUnavailable as exc:
            out["extras_error"] = str(exc)
        return out
