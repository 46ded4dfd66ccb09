"""PHP runtime audits: OPcache on and not full; PHP-FPM's pool sized to the memory PHP can use."""

from __future__ import annotations

import math

from perfscore.artifacts.memory import ProcessSnapshot
from perfscore.artifacts.php import FpmPool, OpcacheStatus, PhpSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, measured, p95
from perfscore.audits.memory import mixed_apps

ON = ("1", "on", "true", "yes")
FULL_FREE_SHARE = 0.05  # less free OPcache memory than this is full in practice
FULL_KEYS_SHARE = 0.95  # of max_cached_keys
MEMORY_BUDGET = 0.80  # seed KPI: memory usage < 80 %
MB = 1024 * 1024
HOW = "expose opcache_get_status(false) as JSON and set monitoring.opcache_status, or run perfscore on the app host"


def _full(o: OpcacheStatus) -> list[str]:
    """Why OPcache is full, or about to be: no room for scripts, restarts for lack of memory or keys."""
    why = []
    if o.cache_full:
        why.append("cache_full is set")
    used, free = o.used_memory or 0.0, o.free_memory or 0.0
    if used + free > 0 and free / (used + free) < FULL_FREE_SHARE:
        why.append(f"{free / MB:,.1f} MB free of {(used + free) / MB:,.0f} MB")
    if o.max_cached_keys and (o.cached_keys or 0) >= FULL_KEYS_SHARE * o.max_cached_keys:
        why.append(f"{o.cached_keys:,} of {o.max_cached_keys:,} keys used (opcache.max_accelerated_files)")
    if o.oom_restarts:
        why.append(f"{o.oom_restarts} restarts for lack of memory")
    if o.hash_restarts:
        why.append(f"{o.hash_restarts} restarts for lack of keys")
    return why


def app_pool(s: PhpSnapshot) -> FpmPool | None:
    """The pool the app's workers belong to (by their process titles); the only pool when titles say none."""
    if not s.pools:
        return None
    if s.worker_pools:
        return next((p for p in s.pools if p.name in s.worker_pools), None)
    return s.pools[0] if len(s.pools) == 1 else None


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
    description="opcache_get_status() from the operator's status URL (memory, keys, restarts), else the pool's and "
    "php.ini's opcache.enable read from the local PHP-FPM (php-fpm -tt / -i)",
    source="https://www.php.net/manual/en/opcache.configuration.php",
)
def opcache(s: PhpSnapshot) -> Outcome:
    o = s.opcache
    problem = o.error if o is not None else None
    if o is not None and o.enabled is not None:
        full = _full(o) if o.enabled else []
        summary = None
        if not o.enabled:
            summary = "OPcache is off: every request compiles every PHP file it includes"
        elif full:
            summary = (
                "OPcache is full (" + "; ".join(full) + "): raise opcache.memory_consumption "
                "and opcache.max_accelerated_files"
            )
        return measured(
            o.enabled and not full,
            summary=summary,
            source="opcache_get_status()",
            full=full,
            used_mb=round((o.used_memory or 0) / MB, 1),
            free_mb=round((o.free_memory or 0) / MB, 1),
            wasted_pct=o.wasted_pct,
            cached_scripts=o.cached_scripts,
            hit_rate=o.hit_rate,
        )
    conf = _configured(s)
    if conf is None:
        raise Unmeasurable("; ".join([x for x in [problem, *s.errors] if x]) or f"OPcache not readable: {HOW}")
    enabled, where = conf
    return measured(
        enabled,
        low_confidence=f"from the configuration ({problem or 'no status URL'}): whether the cache is full is "
        f"unknown (to know: {HOW})"
        if enabled
        else None,
        summary=None if enabled else f"OPcache is off ({where}): every request compiles every PHP file it includes",
        source=where,
        opcode_caching=s.ini.get("Opcode Caching"),
        memory_consumption_mb=s.ini.get("opcache.memory_consumption"),
        max_accelerated_files=s.ini.get("opcache.max_accelerated_files"),
    )


@audit(
    "php.fpm_memory_fit",
    title="PHP-FPM pool fits in memory",
    unit="ratio",
    category="memory",
    description="pm.max_children × p95 worker memory (PSS where the OS reports it, else RSS) / the memory PHP can "
    "use (available now + what its workers hold); the pool read from the local PHP-FPM (php-fpm -tt)",
    source="https://www.php.net/manual/en/install.fpm.configuration.php",
)
def fpm_memory_fit(s: PhpSnapshot, m: ProcessSnapshot) -> Outcome:
    pool = app_pool(s)
    if pool is None and s.pools:
        names = ", ".join(p.name for p in s.pools)
        raise Unmeasurable(f"no configured pool ({names}) is the app workers' ({', '.join(s.worker_pools) or '?'})")
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
    per_worker = p95(pss or rss)
    usable = m.memory_available_mb + sum(pss or rss)
    if usable <= 0:
        raise Unmeasurable("the machine reported no available memory")
    ratio = children * per_worker / usable
    fits = math.floor(MEMORY_BUDGET * usable / per_worker) if per_worker > 0 else None
    return measured(
        round(ratio, 4),
        low_confidence="; ".join(
            x
            for x in (
                None
                if pss
                else "worker RSS counts the memory workers share (OPcache, libraries) once per worker: the fit "
                "is overstated (run perfscore as root for PSS)",
                mixed_apps(m),
            )
            if x
        )
        or None,
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
