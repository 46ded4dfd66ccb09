"""Redis audits: hit ratio and evictions over the audit window, memory health, latency monitoring.

``INFO`` counters are compared between the window's start and end; a lower
``uptime_in_seconds`` (a restart) or a counter that went down (``CONFIG
RESETSTAT``) means the end figures cover the window since the reset.
"""

from __future__ import annotations

import statistics
from typing import Any

from perfscore.artifacts.redis import RedisSnapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.audits.base import (
    Outcome,
    Unmeasurable,
    audit,
    insufficient,
    measured,
    not_applicable,
    unavailable,
    window_requests,
)

# Redis docs (eviction policies): for a cache, evict across all keys by recency or frequency.
CACHE_POLICIES = {"allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-ttl"}
# Redis MEMORY DOCTOR ignores fragmentation below this much used memory: the ratio means little there.
SMALL_DATASET = 5 * 1024 * 1024
MIN_READS = 100  # fewest cache reads (hits + misses) behind a hit-ratio verdict
NO_CACHE = 0.01  # cache reads per request below which the app is said to cache nothing
DAY = 86400


def _int(info: dict[str, Any], key: str) -> int:
    value = info.get(key, 0)
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise Unmeasurable(f"{key} is not a number in Redis INFO ({str(value)[:40]!r})") from None
    if number < 0:
        raise Unmeasurable(f"{key} is negative in Redis INFO ({number})")
    return number


def _end(s: RedisSnapshot) -> tuple[dict[str, Any], str | None]:
    """The end-of-window INFO, or the start's with the reason when Redis went away."""
    if s.info_after is None:
        return s.info_before, f"Redis unavailable at the end of the window ({s.after_error}); start figures"
    return s.info_after, None


SLACK_S = 2  # uptime_in_seconds counts whole seconds, sampled around the window
READS = ("keyspace_hits", "keyspace_misses")


def _restarted(s: RedisSnapshot) -> bool:
    """A new run_id, or an uptime that grew less than the window."""
    a, b = s.info_after, s.info_before
    if a is None:
        return False
    if a.get("run_id") and b.get("run_id"):
        return bool(a["run_id"] != b["run_id"])
    return _int(a, "uptime_in_seconds") + SLACK_S < _int(b, "uptime_in_seconds") + int(s.window_s)


def _reset(s: RedisSnapshot, group: tuple[str, ...]) -> bool:
    """Restarted, or CONFIG RESETSTAT: the group's counters then count from the reset, all of them."""
    a, b = s.info_after, s.info_before
    if a is None:
        return False
    return _restarted(s) or any(_int(a, k) < _int(b, k) for k in (*group, "total_commands_processed"))


def _delta(s: RedisSnapshot, key: str, group: tuple[str, ...] = ()) -> int:
    after = _int(s.info_after or s.info_before, key)
    return after if _reset(s, group or (key,)) else after - _int(s.info_before, key)


def _reset_note(s: RedisSnapshot, group: tuple[str, ...]) -> str | None:
    if _restarted(s):
        return "Redis restarted during the window: counters since its restart"
    if _reset(s, group):
        return "Redis counters were reset (CONFIG RESETSTAT) during the window: figures since the reset"
    return None


# INFO counts the commands it has processed before itself: the window's delta of
# total_commands_processed includes perfscore's first INFO, and nothing else of perfscore's.
OWN_COMMANDS = 1


def app_commands(s: RedisSnapshot) -> int | None:
    """Commands the app (and everyone but perfscore) sent Redis during the window; None if unknown."""
    if s.info_after is None or "total_commands_processed" not in s.info_after:
        return None
    return max(_delta(s, "total_commands_processed") - (0 if _restarted(s) else OWN_COMMANDS), 0)


def _unused(s: RedisSnapshot) -> Outcome | None:
    """Not applicable when the app sent Redis nothing during the window: tuning it cannot help."""
    if app_commands(s) == 0:
        return not_applicable("the app sent Redis no commands during the window: tuning it cannot help the app")
    return None


def _extras(s: RedisSnapshot, end: dict[str, Any]) -> dict[str, Any]:
    """Evidence that does not score on its own: RTT, slowlog, rejected connections, persistence."""
    extras: dict[str, Any] = {
        "rejected_connections": _delta(s, "rejected_connections"),
        "rdb_last_bgsave_status": end.get("rdb_last_bgsave_status"),
        "aof_enabled": end.get("aof_enabled"),
        "uptime_s": end.get("uptime_in_seconds"),
        "version": end.get("redis_version"),
    }
    if s.ping_ms:
        rtts = sorted(s.ping_ms)
        extras["ping_ms"] = {
            "p50": round(statistics.median(rtts), 3),
            "p99": round(rtts[max(0, int(len(rtts) * 0.99) - 1)], 3),
            "max": round(rtts[-1], 3),
        }
    if s.slowlog_len is not None:
        extras["slowlog_len"] = s.slowlog_len
    if s.extras_error:
        extras["extras_error"] = s.extras_error
    return extras


@audit(
    "redis.hit_ratio",
    title="Redis cache hit ratio over the audit window",
    unit="ratio",
    category="caching",
    description="keyspace_hits / (hits + misses) over the window (never lifetime counters: other clients count there); "
    "not applicable when the app sent Redis nothing",
    source="https://redis.io/docs/latest/develop/use/client-side-caching/",
)
def hit_ratio(s: RedisSnapshot) -> Outcome:
    if unused := _unused(s):
        return unused  # another client's lifetime hits say nothing about this app's cache
    end, gone = _end(s)
    dh, dm = _delta(s, "keyspace_hits", READS), _delta(s, "keyspace_misses", READS)
    hits, misses = _int(end, "keyspace_hits"), _int(end, "keyspace_misses")
    lifetime = hits / (hits + misses) if hits + misses else None
    extras = _extras(s, end)
    uptime = _int(end, "uptime_in_seconds")
    if gone is not None:
        return unavailable(
            f"{gone}: no window figure (the start's lifetime counters are not scored)",
            lifetime={"ratio": round(lifetime, 6) if lifetime is not None else None, "reads": hits + misses},
            redis=extras,
        )
    if dh + dm < MIN_READS:
        return insufficient(
            f"{dh + dm:,} cache reads in the window, {MIN_READS:,} needed for a verdict: audit for longer or "
            "under more traffic (Redis's lifetime counters are not scored: they count every client since it started)",
            round(dh / (dh + dm), 6) if dh + dm else None,
            events=dh + dm,
            needed=MIN_READS,
            lifetime={
                "ratio": round(lifetime, 6) if lifetime is not None else None,
                "reads": hits + misses,
                "since_h": round(uptime / 3600, 1),
            },
            redis=extras,
        )
    return measured(
        round(dh / (dh + dm), 6),
        low_confidence=_reset_note(s, READS),
        scope="window",
        hits=dh,
        misses=dm,
        lifetime_hit_ratio=lifetime,
        redis=extras,
    )


@audit(
    "redis.evicted_keys",
    title="Keys evicted during the audit",
    unit="keys",
    category="caching",
    description="evicted_keys delta over the window",
    source="https://redis.io/docs/latest/commands/info/",
)
def evicted_keys(s: RedisSnapshot) -> Outcome:
    if unused := _unused(s):
        return unused
    end, gone = _end(s)
    return measured(
        float(max(_delta(s, "evicted_keys"), 0)),
        low_confidence=gone or _reset_note(s, ("evicted_keys",)),
        lifetime_evicted=_int(end, "evicted_keys"),
    )


@audit(
    "redis.eviction_policy_ok",
    title="Eviction policy suits a cache",
    category="caching",
    description="maxmemory is set and maxmemory_policy evicts by recency, frequency, TTL or at random",
    source="https://redis.io/docs/latest/develop/reference/eviction/",
)
def eviction_policy_ok(s: RedisSnapshot) -> Outcome:
    if unused := _unused(s):
        return unused
    end, _ = _end(s)
    policy = str(end.get("maxmemory_policy", ""))
    maxmemory = _int(end, "maxmemory")
    return measured(maxmemory > 0 and policy in CACHE_POLICIES, maxmemory_policy=policy, maxmemory=maxmemory)


@audit(
    "redis.fragmentation_ratio",
    title="Redis memory fragmentation",
    unit="ratio",
    category="memory",
    description="mem_fragmentation_ratio; not applicable below 5 MB used (Redis MEMORY DOCTOR)",
    source="https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/memory-optimization/",
)
def fragmentation_ratio(s: RedisSnapshot) -> Outcome:
    if unused := _unused(s):
        return unused
    end, _ = _end(s)
    used = _int(end, "used_memory")
    try:
        frag = float(end.get("mem_fragmentation_ratio", 0) or 0)
    except (TypeError, ValueError):
        return unavailable("mem_fragmentation_ratio is not a number")
    if used < SMALL_DATASET:
        why = f"dataset is small ({used / 2**20:.1f} MB): the ratio says nothing (Redis MEMORY DOCTOR)"
        return not_applicable(why, round(frag, 3))
    return measured(round(frag, 3), used_memory=used, used_memory_rss=_int(end, "used_memory_rss"))


@audit(
    "redis.maxmemory_used_ratio",
    title="Redis memory used of maxmemory",
    unit="ratio",
    category="memory",
    description="used_memory / maxmemory; not applicable without maxmemory",
    source="https://redis.io/docs/latest/develop/reference/eviction/",
)
def maxmemory_used_ratio(s: RedisSnapshot) -> Outcome:
    if unused := _unused(s):
        return unused
    end, _ = _end(s)
    used, maxmemory = _int(end, "used_memory"), _int(end, "maxmemory")
    if maxmemory <= 0:
        return not_applicable("no maxmemory set")
    return measured(round(used / maxmemory, 6), used_memory=used, maxmemory=maxmemory)


@audit(
    "redis.latency_monitor",
    title="Redis latency monitor on",
    category="monitoring",
    description="CONFIG GET latency-monitor-threshold > 0",
    source="https://redis.io/docs/latest/operate/oss_and_stack/management/optimization/latency-monitor/",
)
def latency_monitor(s: RedisSnapshot) -> Outcome:
    if unused := _unused(s):
        return unused
    _, gone = _end(s)
    if gone:
        return unavailable(gone)
    if s.latency_monitor_threshold_ms is None:
        return unavailable(f"CONFIG GET refused: {s.latency_monitor_error or 'no answer'}")
    return measured(s.latency_monitor_threshold_ms > 0, threshold_ms=s.latency_monitor_threshold_ms)


@audit(
    "redis.reads_per_request",
    title="Cache reads per HTTP request",
    unit="reads/request",
    category="caching",
    description="Redis keyspace reads (hits + misses) during the window / HTTP requests the audit sent in it",
    source="https://redis.io/docs/latest/develop/use/client-side-caching/",
)
def reads_per_request(s: RedisSnapshot, w: WindowSnapshot) -> Outcome:
    requests = window_requests(w)
    if s.info_after is None:
        return unavailable(f"Redis unavailable at the end of the window ({s.after_error})")
    reads = _delta(s, "keyspace_hits", READS) + _delta(s, "keyspace_misses", READS)
    commands = app_commands(s)
    per = round(reads / requests, 4)
    return measured(
        per,
        summary=f"{reads:,} cache reads for {requests:,} requests ({commands if commands is not None else '?'} "
        "Redis commands in all): the app caches nothing in Redis"
        if per < NO_CACHE
        else None,
        reads=reads,
        requests=requests,
        app_commands=commands,
    )
