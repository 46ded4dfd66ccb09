"""Redis probe: hit ratio and evictions over the audit window, memory health, latency."""

from __future__ import annotations

import statistics
import time
from typing import Any

from perfscore.config import RedisConfig, resolve_password
from perfscore.probes.base import Probe, ProbeUnavailable
from perfscore.run import Measurement

# Redis docs (eviction policies): for a cache, evict across all keys by recency or frequency.
CACHE_POLICIES = {"allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-ttl"}
PINGS = 50
# Redis MEMORY DOCTOR ignores fragmentation below this much used memory: the ratio means little there.
SMALL_DATASET = 5 * 1024 * 1024


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


class RedisProbe(Probe):
    name = "redis"
    metrics = (
        "redis.hit_ratio",
        "redis.evicted_keys",
        "redis.eviction_policy_ok",
        "redis.fragmentation_ratio",
        "redis.maxmemory_used_ratio",
        "redis.latency_monitor",
    )
    client: Any = None
    info0: dict[str, Any] = {}

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
        except redis.RedisError as exc:
            raise ProbeUnavailable(_reason(exc)) from None
        except OSError as exc:
            raise ProbeUnavailable(_reason(exc)) from None

    def begin(self) -> None:
        import redis

        cfg = self.cfg
        self.client = redis.Redis.from_url(
            cfg.url,
            password=resolve_password(cfg, self.ctx.base_dir, "redis"),
            socket_timeout=cfg.timeout_s,
            socket_connect_timeout=cfg.timeout_s,
            retry_on_timeout=False,
        )
        self.info0 = self._call("info", "all")

    def end(self) -> list[Measurement]:
        try:
            info1 = self._call("info", "all")
            lifetime_only: str | None = None
        except ProbeUnavailable as exc:
            # Redis went away during the window: report what the start of the audit saw.
            info1, lifetime_only = self.info0, f"Redis unavailable at the end of the window ({exc}); start figures"
        try:
            return self._measure(info1, lifetime_only)
        finally:
            self.client.close()

    def _measure(self, i1: dict[str, Any], lifetime_only: str | None) -> list[Measurement]:
        i0 = self.info0
        dh = int(i1.get("keyspace_hits", 0)) - int(i0.get("keyspace_hits", 0))
        dm = int(i1.get("keyspace_misses", 0)) - int(i0.get("keyspace_misses", 0))
        hits, misses = int(i1.get("keyspace_hits", 0)), int(i1.get("keyspace_misses", 0))
        lifetime = hits / (hits + misses) if hits + misses else None
        out: list[Measurement] = []
        if dh + dm > 0 and lifetime_only is None:
            out.append(
                self.measured(
                    "redis.hit_ratio",
                    round(dh / (dh + dm), 6),
                    "ratio",
                    scope="window",
                    hits=dh,
                    misses=dm,
                    lifetime_hit_ratio=lifetime,
                )
            )
        elif lifetime is not None:
            why = lifetime_only or "no cache reads during the audit window: lifetime ratio"
            out.append(
                self.measured(
                    "redis.hit_ratio",
                    round(lifetime, 6),
                    "ratio",
                    scope="lifetime",
                    low_confidence=why,
                    hits=hits,
                    misses=misses,
                )
            )
        else:
            out.append(self.unavailable("redis.hit_ratio", "Redis has served no reads at all"))

        evicted = int(i1.get("evicted_keys", 0)) - int(i0.get("evicted_keys", 0))
        out.append(
            self.measured(
                "redis.evicted_keys",
                float(max(evicted, 0)),
                "keys",
                low_confidence=lifetime_only,
                lifetime_evicted=int(i1.get("evicted_keys", 0)),
            )
        )

        policy = str(i1.get("maxmemory_policy", ""))
        maxmemory = int(i1.get("maxmemory", 0))
        out.append(
            self.measured(
                "redis.eviction_policy_ok",
                maxmemory > 0 and policy in CACHE_POLICIES,
                maxmemory_policy=policy,
                maxmemory=maxmemory,
            )
        )

        used = int(i1.get("used_memory", 0))
        frag = float(i1.get("mem_fragmentation_ratio", 0) or 0)
        if used < SMALL_DATASET:
            out.append(
                Measurement(
                    metric="redis.fragmentation_ratio",
                    status="not_applicable",
                    value=round(frag, 3),
                    unit="ratio",
                    reason=f"dataset is small ({used / 2**20:.1f} MB): the ratio says nothing (Redis MEMORY DOCTOR)",
                    probe=self.name,
                )
            )
        else:
            out.append(
                self.measured(
                    "redis.fragmentation_ratio",
                    round(frag, 3),
                    "ratio",
                    used_memory=used,
                    used_memory_rss=int(i1.get("used_memory_rss", 0)),
                )
            )
        if maxmemory > 0:
            out.append(
                self.measured(
                    "redis.maxmemory_used_ratio",
                    round(used / maxmemory, 6),
                    "ratio",
                    used_memory=used,
                    maxmemory=maxmemory,
                )
            )
        else:
            out.append(
                Measurement(
                    metric="redis.maxmemory_used_ratio",
                    status="not_applicable",
                    reason="no maxmemory set",
                    probe=self.name,
                )
            )
        out.append(self._latency_monitor(lifetime_only))
        self._attach_extras(out, i0, i1, lifetime_only)
        return out

    def _latency_monitor(self, gone: str | None) -> Measurement:
        if gone:
            return self.unavailable("redis.latency_monitor", gone)
        try:
            cfg = self._call("config_get", "latency-monitor-threshold")
            threshold = int(cfg.get("latency-monitor-threshold", 0))
        except ProbeUnavailable as exc:
            return self.unavailable("redis.latency_monitor", f"CONFIG GET refused: {exc}")
        return self.measured("redis.latency_monitor", threshold > 0, threshold_ms=threshold)

    def _attach_extras(self, out: list[Measurement], i0: dict[str, Any], i1: dict[str, Any], gone: str | None) -> None:
        """Evidence that does not score on its own: RTT, slowlog, rejected connections, persistence."""
        extras: dict[str, Any] = {
            "rejected_connections": int(i1.get("rejected_connections", 0)) - int(i0.get("rejected_connections", 0)),
            "rdb_last_bgsave_status": i1.get("rdb_last_bgsave_status"),
            "aof_enabled": i1.get("aof_enabled"),
            "uptime_s": i1.get("uptime_in_seconds"),
            "version": i1.get("redis_version"),
        }
        if not gone:
            try:
                rtts = []
                for _ in range(PINGS):
                    t0 = time.perf_counter()
                    self._call("ping")
                    rtts.append((time.perf_counter() - t0) * 1000)
                rtts.sort()
                extras["ping_ms"] = {
                    "p50": round(statistics.median(rtts), 3),
                    "p99": round(rtts[int(len(rtts) * 0.99) - 1], 3),
                    "max": round(rtts[-1], 3),
                }
                extras["slowlog_len"] = self._call("slowlog_len")
            except ProbeUnavailable as exc:
                extras["extras_error"] = str(exc)
        first = out[0]
        out[0] = first.model_copy(update={"evidence": {**first.evidence, "redis": extras}})
