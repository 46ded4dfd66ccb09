"""PHP runtime audits: OPcache on and not full; PHP-FPM's pool sized to the memory PHP can use."""

from __future__ import annotations

import json
import math
from typing import Any

from perfscore.artifacts.memory import ProcessSnapshot
from perfscore.artifacts.php import FpmPool, PhpSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured

ON = ("1", "on", "true", "yes")
FULL_FREE_SHARE = 0.05  # less free OPcache memory than this is full in practice
FULL_KEYS_SHARE = 0.95  # of max_cached_keys
MEMORY_BUDGET = 0.80  # seed KPI: memory usage < 80 %
MB = 1024 * 1024
HOW = "expose opcache_get_status(false) as JSON and set monitoring.opcache_status, or run perfscore on the app host"


def _status(s: PhpSnapshot) -> tuple[dict[str, Any] | None, str | None]:
    """The OPcache status document, or why it is not usable."""
    a = s.opcache_status
    if a is None:
        return None, None
    if a.status != 200:
        return None, f"the OPcache status URL answered {a.status}"
    try:
        doc = json.loads(a.body)
    except ValueError:
        return None, "the OPcache status URL did not answer JSON"
    if doc is False:  # opcache_get_status() returns false when OPcache is off
        return {"opcache_enabled": False}, None
    if not isinstance(doc, dict) or "opcache_enabled" not in doc:
        return None, "the OPcache status URL answered JSON without opcache_enabled"
    return doc, None


def _full(doc: dict[str, Any]) -> list[str]:
    """Why OPcache is full, or about to be: no room for scripts, restarts for lack of memory or keys."""
    mem = doc.get("memory_usage") or {}
    stats = doc.get("opcache_statistics") or {}
    why = []
    if doc.get("cache_full"):
        why.append("cache_full is set")
    used, free = float(mem.get("used_memory") or 0), float(mem.get("free_memory") or 0)
    if used + free > 0 and free / (used + free) < FULL_FREE_SHARE:
        why.append(f"{free / MB:,.1f} MB free of {(used + free) / MB:,.0f} MB")
    keys, max_keys = int(stats.get("num_cached_keys") or 0), int(stats.get("max_cached_keys") or 0)
    if max_keys and keys >= FULL_KEYS_SHARE * max_keys:
        why.append(f"{keys:,} of {max_keys:,} keys used (opcache.max_accelerated_files)")
    for key in ("oom_restarts", "hash_restarts"):
        if int(stats.get(key) or 0) > 0:
            why.append(f"{stats[key]} {key.replace('_', ' ')}")
    return why


def app_pool(s: PhpSnapshot) -> FpmPool | None:
    """The pool the app's workers belong to (by their titles), else the only or first one."""
    if not s.pools:
        return None
    return next((p for p in s.pools if p.name in s.worker_pools), s.pools[0])


def _configured(s: PhpSnapshot) -> tuple[bool, str] | None:
    """OPcache's enable setting as configured (the pool's override, else php.ini), and where it came from."""
    pool = app_pool(s)
    if pool and "opcache.enable" in pool.php:
        return pool.php[
            "opcache.enable"
        ].lower() in ON, f"pool {pool.name}: opcache.enable = {pool.php['opcache.enable']}"
    if "opcache.enable" in s.ini:
        return s.ini["opcache.enable"].lower() in ON, f"php.ini: opcache.enable = {s.ini['opcache.enable']}"
    if s.ini:
        return False, "php.ini has no opcache.enable: the OPcache extension is not loaded"
    return None


@audit(
    "php.opcache",
    title="OPcache on, and not full",
    category="response_time",
    evidence="opcache_get_status() from the operator's status URL (memory, keys, restarts), else the pool's and "
    "php.ini's opcache.enable read from the local PHP-FPM (php-fpm -tt / -i)",
)
def opcache(s: PhpSnapshot) -> Outcome:
    doc, problem = _status(s)
    if doc is not None:
        enabled = bool(doc.get("opcache_enabled"))
        full = _full(doc) if enabled else []
        stats = doc.get("opcache_statistics") or {}
        mem = doc.get("memory_usage") or {}
        summary = None
        if not enabled:
            summary = "OPcache is off: every request compiles every PHP file it includes"
        elif full:
            summary = (
                "OPcache is full (" + "; ".join(full) + "): raise opcache.memory_consumption "
                "and opcache.max_accelerated_files"
            )
        return measured(
            enabled and not full,
            summary=summary,
            source="opcache_get_status()",
            full=full,
            used_mb=round(float(mem.get("used_memory") or 0) / MB, 1),
            free_mb=round(float(mem.get("free_memory") or 0) / MB, 1),
            wasted_pct=round(float(mem.get("current_wasted_percentage") or 0), 2),
            cached_scripts=stats.get("num_cached_scripts"),
            hit_rate=round(float(stats.get("opcache_hit_rate") or 0), 2) if stats else None,
        )
    conf = _configured(s)
    if conf is None:
        raise Unmeasurable("; ".join([x for x in [problem, *s.errors] if x]) or f"OPcache not readable: {HOW}")
    enabled, where = conf
    return measured(
        enabled,
        low_confidence=f"from the configuration ({problem or 'no status URL'}): whether the cache is full is "
        f"unknown; {HOW}"
        if enabled
        else None,
        summary=None if enabled else f"OPcache is off ({where}): every request compiles every PHP file it includes",
        source=where,
        opcode_caching=s.ini.get("Opcode Caching"),
        memory_consumption_mb=s.ini.get("opcache.memory_consumption"),
        max_accelerated_files=s.ini.get("opcache.max_accelerated_files"),
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


@audit(
    "php.fpm_memory_fit",
    title="PHP-FPM pool fits in memory",
    unit="ratio",
    category="memory",
    evidence="pm.max_children × p95 worker memory (PSS where the OS reports it, else RSS) / the memory PHP can "
    "use (available now + what its workers hold); the pool read from the local PHP-FPM (php-fpm -tt)",
)
def fpm_memory_fit(s: PhpSnapshot, m: ProcessSnapshot) -> Outcome:
    pool = app_pool(s)
    if pool is None:
        raise Unmeasurable(
            "; ".join(s.errors) or "PHP-FPM's pool configuration was not read (run perfscore on the app host)"
        )
    try:
        children = int(pool.pm["pm.max_children"])
    except (KeyError, ValueError):
        raise Unmeasurable(f"pool {pool.name} has no readable pm.max_children") from None
    rss = [v / MB for v in m.rss_after.values()]
    if not rss:
        raise Unmeasurable("no app worker was found to size the pool by")
    pss = list(m.pss_mb) if len(m.pss_mb) == len(rss) else []
    per_worker = _p95(pss or rss)
    usable = m.memory_available_mb + sum(pss or rss)
    if usable <= 0:
        raise Unmeasurable("the machine reported no available memory")
    ratio = children * per_worker / usable
    fits = math.floor(MEMORY_BUDGET * usable / per_worker) if per_worker > 0 else None
    return measured(
        round(ratio, 4),
        summary=(
            f"pm.max_children {children} × p95 worker {per_worker:,.0f} MB = {children * per_worker:,.0f} MB, "
            f"{ratio:.0%} of the {usable:,.0f} MB PHP can use: lower pm.max_children to {fits} or add memory"
        )
        if ratio > MEMORY_BUDGET
        else None,
        pool=pool.name,
        pm=pool.pm.get("pm"),
        max_children=children,
        worker_p95_mb=round(per_worker, 1),
        measure="PSS" if pss else "RSS",
        workers=len(rss),
        usable_mb=round(usable),
        children_that_fit=fits,
    )
