"""A stack bigger than one machine: the worst node's CPU, memory and worker RSS (from Prometheus), whether
every app node is up and takes its share of the requests, whether the replicas keep up.

With several app nodes a category is as good as its worst node: the worst is the figure, every node in the
evidence, each figure with the PromQL that produced it (its source).
"""

from __future__ import annotations

from typing import Any

from perfscore.artifacts.cluster import ClusterSnapshot, NodeFigures, Series
from perfscore.artifacts.redis import RedisSnapshot
from perfscore.audits.base import Outcome, Unmeasurable, audit, insufficient, measured, not_applicable
from perfscore.audits.redis import MIN_READS
from perfscore.audits.redis import hit_ratio as direct_hit_ratio

MIN_NODE_REQUESTS = 50  # requests across the app nodes in the window before their balance is judged
LAG_OK_S = 30.0  # a replica this far behind still serves reads a user would accept as current


class NoHosts(Exception):
    """The config names no host this audit is about: not applicable, not a gap."""


def _worst(
    c: ClusterSnapshot, key: str, role: str | None = None
) -> tuple[NodeFigures, Series, dict[str, Any], str | None]:
    """The worst node's series, every node's for the evidence, and a caveat naming the nodes without one."""
    nodes = [n for n in c.nodes if role is None or n.role == role]
    if not nodes:
        raise NoHosts(f"no {role + ' ' if role else ''}hosts in the config's hosts:")
    shown: dict[str, Any] = {}
    best: tuple[NodeFigures, Series] | None = None
    for n in nodes:
        s: Series | None = getattr(n, key)
        if s is None:
            continue
        shown[n.name] = {"mean": s.mean, "max": s.max, "query": s.query, "source": "prometheus"} | (
            {"error": s.error} if s.error else {}
        )
        if s.mean is not None and (best is None or s.mean > (best[1].mean or 0.0)):
            best = (n, s)
    if best is None:
        first = next((s for n in nodes if (s := getattr(n, key)) is not None), None)
        why = c.prometheus_error or (first.error if first else "no series")
        raise Unmeasurable(f"{why} ({first.query if first else key})")
    missing = [n.name for n in nodes if (s := getattr(n, key)) is None or s.mean is None]
    caveat = f"no figure for {', '.join(missing)}: the worst of the other hosts" if missing else None
    return best[0], best[1], shown, caveat


def _worst_outcome(c: ClusterSnapshot, key: str, role: str | None, summary: str, digits: int = 4) -> Outcome:
    try:
        node, s, shown, caveat = _worst(c, key, role)
    except NoHosts as exc:
        return not_applicable(str(exc))
    assert s.mean is not None
    value = round(s.mean, digits)
    text = summary.format(name=node.name, role=node.role, pct=f"{s.mean:.0%}", value=value)
    return measured(value, low_confidence=caveat, summary=text, nodes=shown)


@audit(
    "cluster.worst_node_cpu",
    title="CPU busy on the busiest host",
    unit="ratio",
    category="scalability",
    description="each host's CPU busy share over the window (Prometheus, node_exporter), the busiest as the figure",
    source="https://www.brendangregg.com/usemethod.html",
)
def worst_node_cpu(c: ClusterSnapshot) -> Outcome:
    return _worst_outcome(c, "cpu", None, "busiest host: {name} ({role}), {pct} busy")


@audit(
    "cluster.worst_node_memory",
    title="Memory in use on the fullest host",
    unit="ratio",
    category="memory",
    description="each host's memory in use (1 - MemAvailable/MemTotal, node_exporter), the fullest as the figure",
    source="https://www.brendangregg.com/usemethod.html",
)
def worst_node_memory(c: ClusterSnapshot) -> Outcome:
    return _worst_outcome(c, "memory_used", None, "fullest host: {name} ({role}), {pct} used")


@audit(
    "cluster.worst_node_disk",
    title="Disk I/O busy on the busiest host",
    unit="ratio",
    category="scalability",
    description="each host's busiest disk's I/O time share over the window (node_exporter), the busiest host as the "
    "figure",
    source="https://www.brendangregg.com/usemethod.html",
)
def worst_node_disk(c: ClusterSnapshot) -> Outcome:
    return _worst_outcome(c, "disk_busy", None, "busiest disk: {name} ({role}), {pct} busy")


@audit(
    "cluster.fpm_worker_rss",
    title="PHP-FPM worker memory on the worst app node",
    unit="MB",
    category="memory",
    description="mean resident MB per PHP-FPM process of each app node's pool (process-exporter), the largest as the "
    "figure",
    source="https://www.php.net/manual/en/install.fpm.configuration.php",
)
def fpm_worker_rss(c: ClusterSnapshot) -> Outcome:
    return _worst_outcome(c, "fpm_rss_mb", "app", "worst app node: {name}, {value} MB a worker", digits=1)


@audit(
    "cluster.app_nodes_up",
    title="Every app node answers",
    category="scalability",
    description="each app node's own PHP-FPM status page at the window's start and end, and its process count",
    source="https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server",
)
def app_nodes_up(c: ClusterSnapshot) -> Outcome:
    apps = [n for n in c.nodes if n.role == "app"]
    if len(apps) < 2:
        return not_applicable("fewer than two app nodes in the config's hosts:")
    down, shown = [], {}
    for n in apps:
        procs = n.fpm_procs.min if n.fpm_procs is not None else None  # a pool that died mid-window is down
        status_error = n.fpm.error if n.fpm is not None else None
        shown[n.name] = {"fpm_status_error": status_error, "fpm_processes": procs}
        if (n.fpm is not None and n.fpm.accepted_end is None) or procs == 0:
            down.append(f"{n.name} ({status_error or 'no PHP-FPM processes'})")
    unknown = [
        n.name
        for n in apps
        if (n.fpm is None or n.fpm.accepted_end is None and n.fpm.error and "answered" not in n.fpm.error)
        and (n.fpm_procs is None or n.fpm_procs.min is None)
    ]
    if unknown and not down:  # nothing said they are up: no status page answered, no process count
        raise Unmeasurable(f"nothing tells whether {', '.join(unknown)} is up (no status page, no process count)")
    summary = f"down: {'; '.join(down)}" if down else None
    return measured(not down, summary=summary, nodes=shown)


@audit(
    "cluster.request_balance",
    title="Requests spread over the app nodes",
    unit="× fair share",
    category="scalability",
    description="requests each app node accepted during the window (its FPM status 'accepted conn'), the busiest "
    "node's share against an even split",
    source="https://nginx.org/en/docs/http/load_balancing.html",
)
def request_balance(c: ClusterSnapshot) -> Outcome:
    apps = [n for n in c.nodes if n.role == "app" and n.fpm is not None]
    if len(apps) < 2:
        return not_applicable("fewer than two app nodes with an fpm_status page in the config's hosts:")
    counts = {n.name: n.fpm.accepted for n in apps if n.fpm is not None}
    known = {k: v for k, v in counts.items() if v is not None}
    total = sum(known.values())
    unread = [k for k, v in counts.items() if v is None]
    if unread:
        raise Unmeasurable(
            f"the counters of {', '.join(unread)} could not be read (see cluster.app_nodes_up): its share is unknown"
        )
    if total < MIN_NODE_REQUESTS:
        raise Unmeasurable(f"{total:,} FastCGI connections reached the app nodes, {MIN_NODE_REQUESTS} needed")
    share = max(known.values()) / (total / len(known))
    busiest = max(known, key=lambda k: known[k])
    # PHP-FPM's "accepted conn" counts FastCGI connections (nginx's keep-alive makes about two a request):
    # the shares are the nodes' shares of the requests, the totals are not requests.
    summary = f"{busiest} took {known[busiest] / total:.0%} of the FastCGI connections across {len(apps)} nodes"
    return measured(round(share, 3), summary=summary, fpm_connections_per_node=counts)


@audit(
    "mysql.replication_healthy",
    title="Replicas replicating and current",
    category="database",
    description="each configured replica's SHOW SLAVE STATUS (threads, Seconds_Behind_Master) and GTID position "
    "against the audited server's",
    source="https://mariadb.com/kb/en/show-replica-status/",
)
def replication_healthy(c: ClusterSnapshot) -> Outcome:
    if not c.replicas:
        return not_applicable("no mysql.replicas in the config")
    denied = [r for r in c.replicas if r.error and "denied" in r.error.lower()]
    if denied:  # a missing grant says nothing about replication
        raise Unmeasurable(
            f"{denied[0].host}:{denied[0].port}: {denied[0].error} (the monitor user needs REPLICATION CLIENT or "
            "SLAVE MONITOR)"
        )
    problems, shown = [], []
    for r in c.replicas:
        where = f"{r.host}:{r.port}"
        shown.append(r.model_dump(exclude_none=True))
        if r.error:
            problems.append(f"{where}: {r.error}")
        elif not r.io_running or not r.sql_running:
            stopped = " and ".join(t for t, ok in (("I/O", r.io_running), ("SQL", r.sql_running)) if not ok)
            behind = f"; applied {r.replica_gtid or '-'} of the primary's {r.primary_gtid or '-'}"
            problems.append(
                f"{where}: replication {stopped} thread stopped{behind}"
                + (f" ({r.last_error})" if r.last_error else "")
            )
        elif r.seconds_behind is not None and r.seconds_behind > LAG_OK_S:
            problems.append(f"{where}: {r.seconds_behind:g} s behind the primary")
    return measured(not problems, summary="; ".join(problems) or None, replicas=shown)


@audit(
    "cluster.cache_hit_ratio",
    title="Cache hit ratio (from the Redis exporter)",
    unit="ratio",
    category="caching",
    description="keyspace hits / (hits + misses) over the window from redis_exporter's counters in Prometheus; "
    "not applicable where perfscore reads Redis itself (redis.hit_ratio), whose figure it cross-checks",
    source="https://redis.io/docs/latest/develop/use/client-side-caching/",
)
def cache_hit_ratio(c: ClusterSnapshot, r: RedisSnapshot | None) -> Outcome:
    caches = [n for n in c.nodes if n.role == "cache" and n.cache_hits is not None]
    if not caches:
        return not_applicable("no cache host with an exporter_instance in the config's hosts:")
    if r is not None and any(n.cache_hits is None or n.cache_hits.mean is None for n in caches):
        return not_applicable("measured directly (redis.hit_ratio); the exporter gave no figure to cross-check")
    hits = misses = 0.0
    shown = {}
    for n in caches:
        h, m = n.cache_hits, n.cache_misses
        shown[n.name] = {
            "hits": h.mean if h else None,
            "misses": m.mean if m else None,
            "query": h.query if h else None,
        }
        if h is None or m is None or h.mean is None or m.mean is None:
            raise Unmeasurable(
                f"{(h.error if h else None) or (m.error if m else None) or 'no series'} ({h.query if h else ''})"
            )
        hits, misses = hits + h.mean, misses + m.mean
    ratio = round(hits / (hits + misses), 6) if hits + misses else None
    if r is not None:
        direct = direct_hit_ratio(r)
        return not_applicable(
            "measured directly (redis.hit_ratio); the exporter's figure is a cross-check",
            exporter_ratio=ratio,
            direct_ratio=direct.value,
            caches=shown,
            source="prometheus",
        )
    if ratio is None or hits + misses < MIN_READS:
        return insufficient(
            f"{hits + misses:,.0f} cache reads in the window, {MIN_READS:,} needed for a verdict",
            ratio,
            caches=shown,
        )
    return measured(ratio, caches=shown, source="prometheus")
