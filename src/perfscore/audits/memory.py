"""Memory audits (processes on this machine): app worker RSS (mean and largest), its growth under steady
traffic, system memory."""

from __future__ import annotations

import statistics

from perfscore.artifacts.memory import ProcessSnapshot
from perfscore.audits.base import Outcome, audit, measured, unavailable

MB = 1024 * 1024
LEAK_GROWTH = 1.1  # named as a leak in the summary above this


def _no_workers(s: ProcessSnapshot) -> str:
    if not s.patterns:
        return (
            "no app process serves the target on this host as far as its sockets say (no PHP-FPM pool behind "
            "the server on its port): give processes.app to measure the app's workers"
        )
    return f"no process on this machine matches {', '.join(s.patterns)!r}"


def mixed_apps(s: ProcessSnapshot) -> str | None:
    """Why worker figures may mix apps: the patterns matched workers of more than one parent (master), or of
    a master or pool that does not serve the target (known from its sockets)."""
    reasons = []
    parents = [k for k in s.app_parents if k != "none"]
    if len(parents) > 1:
        shown = ", ".join(f"{k} ×{s.app_parents[k]}" for k in sorted(parents)[:3])
        reasons.append(
            f"the app patterns match workers of {len(parents)} masters or pools ({shown}): the figures mix apps "
            "or pools; narrow processes.app to the pool that serves this app (e.g. '^php-fpm: pool www$')"
        )
    if s.not_serving:
        shown = ", ".join(f"{k} ×{n}" for k, n in sorted(s.not_serving.items())[:3])
        reasons.append(
            f"processes.app matches workers that do not serve the target ({shown}); the target's port leads "
            f"to {', '.join(s.serving)}: narrow processes.app to that pool"
        )
    return "; ".join(reasons) or None


@audit(
    "system.memory_used_ratio",
    title="System memory used",
    unit="ratio",
    category="memory",
    description="(total - available) / total at the window end, with swap in use",
    source="https://docs.kernel.org/filesystems/proc.html#meminfo",
)
def memory_used_ratio(s: ProcessSnapshot) -> Outcome:
    if s.memory_total_mb <= 0:
        return unavailable("the system reported no memory total")
    return measured(
        round((s.memory_total_mb - s.memory_available_mb) / s.memory_total_mb, 4),
        total_mb=s.memory_total_mb,
        available_mb=s.memory_available_mb,
        swap_used_mb=s.swap_used_mb,
    )


@audit(
    "php.worker_rss_mean",
    title="Mean PHP-FPM worker RSS",
    unit="MB",
    category="memory",
    description="mean RSS of the matching worker processes at the window end; PSS where the OS reports it",
    source="https://www.php.net/manual/en/ini.core.php#ini.memory-limit",
)
def worker_rss_mean(s: ProcessSnapshot) -> Outcome:
    if not s.rss_after:
        return unavailable(_no_workers(s))
    rss_mb = [v / MB for v in s.rss_after.values()]
    many = {k: v for k, v in s.servers.items() if v > 1}
    return measured(
        round(statistics.mean(rss_mb), 2),
        low_confidence=mixed_apps(s),
        servers_matched=many or None,
        workers=len(rss_mb),
        max_mb=round(max(rss_mb), 2),
        pss_mean_mb=round(statistics.mean(s.pss_mb), 2) if s.pss_mb else None,
        database_rss_mb=s.database_rss_mb,
        cache_rss_mb=s.cache_rss_mb,
    )


BLOATED = 2.0  # the largest worker named in the summary when it holds this many times the mean


@audit(
    "php.worker_rss_max",
    title="Largest PHP-FPM worker RSS",
    unit="MB",
    category="memory",
    description="RSS of the largest matching worker process at the window end: one route that bloats its worker "
    "(an export, a report) shows here while the mean hides it, and the pool must have room for it",
    source="https://www.php.net/manual/en/ini.core.php#ini.memory-limit",
)
def worker_rss_max(s: ProcessSnapshot) -> Outcome:
    if not s.rss_after:
        return unavailable(_no_workers(s))
    pid, largest = max(s.rss_after.items(), key=lambda kv: kv[1])
    mean = statistics.mean(s.rss_after.values())
    bloated = (
        f"worker {pid} holds {largest / MB:,.0f} MB, {largest / mean:.1f}x the mean worker ({mean / MB:,.0f} MB): "
        "find the request that grows it"
        if largest > BLOATED * mean
        else None
    )
    return measured(
        round(largest / MB, 2),
        low_confidence=mixed_apps(s),
        summary=bloated,
        pid=pid,
        workers=len(s.rss_after),
        mean_mb=round(mean / MB, 2),
    )


@audit(
    "php.worker_memory_growth",
    title="Worker memory growth over the audit",
    unit="ratio",
    category="memory",
    description="RSS at the window end / RSS a quarter into it, summed over the workers alive at both samples",
    source="https://www.php.net/manual/en/install.fpm.configuration.php",
)
def worker_memory_growth(s: ProcessSnapshot) -> Outcome:
    if not s.rss_after:
        return unavailable(_no_workers(s))
    common = set(s.rss_before) & set(s.rss_after)
    if not common:
        return unavailable("no worker lived through the whole window (all were recycled or restarted)")
    before = sum(s.rss_before[p] for p in common)
    after = sum(s.rss_after[p] for p in common)
    growth = round(after / before, 4) if before else 1.0
    leak = (
        f"worker memory grew {growth:.2f}x ({before / MB:.0f} -> {after / MB:.0f} MB) under steady traffic: a leak"
        if growth > LEAK_GROWTH
        else None
    )
    return measured(
        growth,
        low_confidence=mixed_apps(s),
        summary=leak,
        workers_compared=len(common),
        before_mb=round(before / MB, 2),
        after_mb=round(after / MB, 2),
        from_s=round(s.settle_s, 1),
    )
