"""Hosts perfscore cannot see from here: Prometheus (node_exporter, process-exporter), each app node's own
PHP-FPM status page, each replica's replication state.

Prometheus is read with ``query_range`` over the window's exact start and end (a step of a few seconds),
so a figure is the window's, not the last scrape's. Every query is kept with its figure: a host with no
series says which PromQL found nothing. process-exporter (Debian's ``prometheus-process-exporter``) gives
per-pool worker RSS: Debian packages no php-fpm exporter, and a pool's resident memory is what the
memory audits need.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import math
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from perfscore.artifacts.cluster import ClusterSnapshot, FpmCounters, NodeFigures, ReplicaFigures, Series, Uptime
from perfscore.config import Config, HostConfig, PrometheusConfig, resolve_password
from perfscore.errors import ExitCode, PerfscoreError
from perfscore.gatherers.base import Gatherer, ProbeUnavailable
from perfscore.sanitize import clean

MAX_ANSWER = 8 * 1024 * 1024


def _q(template: str, host: HostConfig, window: str = "") -> str:
    return (
        template.replace("WINDOW_S", window.removesuffix("s"))
        .replace("EXPORTER", host.exporter_instance or "")
        .replace("INSTANCE", host.instance)
        .replace("POOL", host.fpm_pool or "")
        .replace("PROCESS", f',instance="{host.process_instance}"' if host.process_instance else "")
        .replace("WINDOW", window)
    )


# Counters over exactly the window: increase() over its length, evaluated at its end (a rate() over a fixed
# range would look back before the window, or find nothing at a 15-60 s scrape interval).
HOST_WINDOW_QUERIES = {
    "cpu": '1 - sum(increase(node_cpu_seconds_total{mode="idle",instance="INSTANCE"}[WINDOW])) '
    '/ count(node_cpu_seconds_total{mode="idle",instance="INSTANCE"}) / WINDOW_S',
    "disk_busy": 'max(increase(node_disk_io_time_seconds_total{instance="INSTANCE"}[WINDOW])) / WINDOW_S',
}
WINDOW_QUERIES = {
    "cache": {
        "cache_hits": 'sum(increase(redis_keyspace_hits_total{instance="EXPORTER"}[WINDOW]))',
        "cache_misses": 'sum(increase(redis_keyspace_misses_total{instance="EXPORTER"}[WINDOW]))',
    },
    "database": {"db_questions": 'sum(increase(mysql_global_status_questions{instance="EXPORTER"}[WINDOW]))'},
}


QUERIES = {
    "memory_used": '1 - node_memory_MemAvailable_bytes{instance="INSTANCE"} '
    '/ node_memory_MemTotal_bytes{instance="INSTANCE"}',
    "fpm_rss_mb": 'sum(namedprocess_namegroup_memory_bytes{groupname="POOL",memtype="resident"PROCESS}) '
    '/ sum(namedprocess_namegroup_num_procs{groupname="POOL"PROCESS}) / 1048576',
    "fpm_procs": 'sum(namedprocess_namegroup_num_procs{groupname="POOL"PROCESS})',
}


def _numbers(data: Any, key: str) -> list[float]:
    """The finite numbers of a query answer: each series' "values" (a range) or its one "value" (an instant)."""
    result = data.get("result") if isinstance(data, dict) else None
    out = []
    for series in result if isinstance(result, list) else []:
        found = series.get(key) if isinstance(series, dict) else None
        for point in (found if key == "values" else [found]) if isinstance(found, list) else []:
            try:
                v = float(point[1])
            except (TypeError, ValueError, IndexError):
                continue
            if math.isfinite(v):
                out.append(v)
    return out


def _replica_status(cur: Any) -> tuple[Any, list[str]]:
    """SHOW REPLICA STATUS (MySQL 8.0.22+, MariaDB 10.5+; the only one in MySQL 8.4), else SHOW SLAVE STATUS."""
    try:
        cur.execute("SHOW REPLICA STATUS")
    except Exception:  # noqa: BLE001 - an older server: the old name
        cur.execute("SHOW SLAVE STATUS")
    return cur.fetchone(), [d[0] for d in cur.description or []]


def _gtid(cur: Any, *variables: str) -> str | None:
    """The first of these GTID variables the server has (MariaDB's, then MySQL's), or None."""
    for var in variables:
        try:
            cur.execute(f"SELECT {var}")
            return str(cur.fetchone()[0] or "")
        except Exception:  # noqa: BLE001, S112 - an unknown variable on this server: try the next
            continue
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The credentials go to the configured URL only: a redirect is an answer, not a place to send them."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Deadline:
    """A whole-exchange deadline for urllib: a per-read timeout alone lets a server that drips one byte
    per read hold the exchange for ever. At the deadline the connection's socket is shut, so whatever
    read is waiting returns at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._timers: list[threading.Timer] = []

    def _arm(self, sock: socket.socket) -> None:
        def shut() -> None:
            self.expired = True
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(max(0.0, self.end - time.monotonic()), shut)
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def handlers(self, context: ssl.SSLContext | None) -> list[urllib.request.BaseHandler]:
        self.end = time.monotonic() + self.seconds
        deadline = self

        class Http(http.client.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                deadline._arm(self.sock)

        class Https(http.client.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                deadline._arm(self.sock)

        class HttpHandler(urllib.request.HTTPHandler):
            def http_open(self, req: Any) -> Any:
                return self.do_open(Http, req)

        class HttpsHandler(urllib.request.HTTPSHandler):
            def https_open(self, req: Any) -> Any:
                return self.do_open(Https, req, context=context)

        return [HttpHandler(), HttpsHandler()]

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()


class Prometheus:
    """The HTTP API, with the config's credentials; every failure a one-line reason."""

    def __init__(self, cfg: PrometheusConfig, config: Config) -> None:
        self.cfg = cfg
        self.headers = {"Accept": "application/json"}
        from perfscore.sanitize import remember

        if cfg.username:
            pw = resolve_password(cfg, config.base_dir, "prometheus") or ""
            token = base64.b64encode(f"{cfg.username}:{pw}".encode()).decode()
            remember([s for s in (pw, token) if s])  # never printed or saved, whatever Prometheus echoes
            self.headers["Authorization"] = f"Basic {token}"
        bearer = None
        if cfg.bearer_token_env:
            import os

            bearer = os.environ.get(cfg.bearer_token_env)
            if bearer is None:
                raise PerfscoreError(f"prometheus: environment variable {cfg.bearer_token_env} is not set.")
        elif cfg.bearer_token_file:
            from perfscore.yamlfile import read_text

            path = (
                cfg.bearer_token_file
                if cfg.bearer_token_file.is_absolute()
                else config.base_dir / cfg.bearer_token_file
            )
            bearer = read_text(path, "prometheus: bearer token file").strip()
        if bearer:
            remember([bearer])
            self.headers["Authorization"] = f"Bearer {bearer}"

    def get(self, path: str, params: dict[str, str]) -> Any:
        url = f"{self.cfg.url}{path}?{urllib.parse.urlencode(params)}"
        req = urllib.request.Request(url, headers=self.headers)
        context = None
        if url.startswith("https://"):
            from perfscore.tls import client_context

            context = client_context(self.cfg.insecure_tls)
        deadline = _Deadline(self.cfg.timeout_s)  # the whole exchange, not each read
        opener = urllib.request.build_opener(_NoRedirect, *deadline.handlers(context))
        try:
            body = self._exchange(opener, req, deadline)
        finally:
            deadline.cancel()
        try:
            doc = json.loads(body)
        except RecursionError:
            raise ProbeUnavailable("Prometheus's answer is JSON nested too deeply to read") from None
        except ValueError:
            raise ProbeUnavailable("Prometheus's answer is not JSON") from None
        if not isinstance(doc, dict) or doc.get("status") != "success":
            raise ProbeUnavailable(
                f"Prometheus: {clean(str(doc.get('error') if isinstance(doc, dict) else doc), oneline=True)[:200]}"
            )
        return doc.get("data")

    def _exchange(
        self, opener: urllib.request.OpenerDirector, req: urllib.request.Request, deadline: _Deadline
    ) -> bytes:
        """The answer's body; every failure, a malformed answer included, is ProbeUnavailable (or Refused)."""
        try:
            with opener.open(req, timeout=self.cfg.timeout_s) as r:
                body: bytes = r.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise Refused(
                    f"Prometheus at {self.cfg.url} refused the credentials ({exc.code}): check prometheus.username "
                    "and password_env/password_file, or bearer_token_env"
                ) from None
            said = "" if deadline.expired else clean(exc.read(400).decode(errors="replace"), oneline=True)
            raise ProbeUnavailable(f"Prometheus answered {exc.code}: {said[:200]}") from None
        except (OSError, ValueError, http.client.HTTPException) as exc:
            if deadline.expired:
                raise ProbeUnavailable(self._late()) from None
            reason = getattr(exc, "reason", None) or exc
            what = "did not answer" if isinstance(exc, OSError) else "gave no valid HTTP answer"
            said = clean(f"{type(exc).__name__}: {reason}" if not str(reason) else str(reason), oneline=True)
            raise ProbeUnavailable(f"Prometheus at {self.cfg.url} {what} ({said[:200]})") from None
        if deadline.expired:  # the socket was shut under the read: what came is a part
            raise ProbeUnavailable(self._late())
        if len(body) > MAX_ANSWER:
            raise ProbeUnavailable("Prometheus's answer is larger than 8 MiB")
        return body

    def _late(self) -> str:
        return f"Prometheus at {self.cfg.url} did not finish answering within {self.cfg.timeout_s:g} s"

    def range(self, query: str, start: float, end: float) -> Series:
        step = max(1.0, round((end - start) / 60, 1))
        try:
            data = self.get(
                "/api/v1/query_range",
                {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"},
            )
        except ProbeUnavailable as exc:
            return Series(query=query, error=str(exc))
        values = _numbers(data, "values")
        if not values:
            return Series(
                query=query,
                error="no series: the query found nothing over the window (no such target or label in Prometheus?)",
            )
        return Series(
            query=query,
            mean=round(sum(values) / len(values), 4),
            max=round(max(values), 4),
            min=round(min(values), 4),
            samples=len(values),
        )

    def at(self, query: str, when: float) -> Series:
        """An instant query at ``when`` (a counter's increase over the window, evaluated at its end)."""
        try:
            data = self.get("/api/v1/query", {"query": query, "time": f"{when:.3f}"})
        except ProbeUnavailable as exc:
            return Series(query=query, error=str(exc))
        values = _numbers(data, "value")
        if not values:
            return Series(
                query=query,
                error="no series: the query found nothing over the window (no such target or label in "
                "Prometheus, or fewer than two scrapes in the window: audit for longer than twice the scrape interval)",
            )
        return Series(query=query, mean=round(sum(values), 4), max=round(sum(values), 4), samples=len(values))

    def check(self) -> None:
        """Credentials work (a wrong one is a config error); Prometheus down is only a warning."""
        self.get("/api/v1/query", {"query": "1"})


class Refused(PerfscoreError):
    def __init__(self, message: str) -> None:
        super().__init__(message + ".", ExitCode.USAGE)


def preflight(config: Config) -> str | None:
    """Before the audit: exit 2 on refused credentials; a warning (returned) when Prometheus does not answer."""
    if config.prometheus is None:
        return None
    try:
        Prometheus(config.prometheus, config).check()
    except ProbeUnavailable as exc:
        return f"{exc}; its figures will be unavailable"
    return None


class ClusterGatherer(Gatherer):
    name = "cluster"

    def not_configured(self) -> str | None:
        cfg = self.ctx.config
        if cfg.prometheus is None and not cfg.hosts and not (cfg.mysql and cfg.mysql.replicas):
            return "no prometheus, hosts or mysql.replicas in the config"
        return None

    def begin(self) -> None:
        self.t0 = time.time()
        self.fpm_start = {name: self._accepted(h) for name, h in self._app_nodes()}

    def counting(self) -> bool:
        return bool(self.fpm_start)

    def _app_nodes(self) -> list[tuple[str, HostConfig]]:
        return [(n, h) for n, h in self.ctx.config.hosts.items() if h.role == "app" and h.fpm_status]

    def _accepted(self, host: HostConfig) -> tuple[int | None, str | None]:
        from perfscore.gatherers.http import fetch, join

        base = self.ctx.config.target.base_url
        if not base or not host.fpm_status:
            return None, "no base_url"
        try:
            r = fetch(
                join(base, host.fpm_status),
                headers=self.target_headers,
                user_agent=self.ctx.config.target.user_agent,
                timeout=self.http_timeout,
            )
        except ProbeUnavailable as exc:
            return None, str(exc)
        if r.status != 200:
            return None, f"{host.fpm_status} answered {r.status}"
        try:
            value = json.loads(r.body).get("accepted conn")
        except (ValueError, AttributeError):
            return None, f"{host.fpm_status} is not PHP-FPM's JSON status"
        return (value, None) if isinstance(value, int) else (None, f"{host.fpm_status} has no 'accepted conn'")

    def end(self) -> ClusterSnapshot:
        cfg = self.ctx.config
        t1 = time.time()
        prom = Prometheus(cfg.prometheus, cfg) if cfg.prometheus else None
        prom_error = None
        if prom is not None:
            try:
                prom.check()
            except ProbeUnavailable as exc:
                prom_error, prom = str(exc), None
        nodes = []
        # Two app nodes with the same pool name and no process-exporter instance each would both get the
        # cluster-wide sum: say so instead of showing the average as each node's figure.
        pools = [h.fpm_pool for h in cfg.hosts.values() if h.fpm_pool and not h.process_instance]
        shared = {p for p in pools if pools.count(p) > 1}
        for name, host in cfg.hosts.items():
            figures: dict[str, Any] = {}
            for key, template in QUERIES.items():
                if key.startswith("fpm") and not host.fpm_pool:
                    continue
                query = _q(template, host)
                if key.startswith("fpm") and host.fpm_pool in shared:
                    figures[key] = Series(
                        query=query,
                        error=f"app nodes share the pool name {host.fpm_pool!r}: give each its process_instance",
                    )
                    continue
                figures[key] = (
                    prom.range(query, self.t0, t1)
                    if prom
                    else Series(query=query, error=prom_error or "no prometheus in the config")
                )
            window = f"{max(1, round(t1 - self.t0))}s"
            for key, template in HOST_WINDOW_QUERIES.items():
                query = _q(template, host, window)
                figures[key] = prom.at(query, t1) if prom else Series(query=query, error=prom_error or "no prometheus")
            if host.exporter_instance:
                for key, template in WINDOW_QUERIES.get(host.role, {}).items():
                    query = _q(template, host, window)
                    figures[key] = (
                        prom.at(query, t1) if prom else Series(query=query, error=prom_error or "no prometheus")
                    )
            fpm = None
            if host.role == "app" and host.fpm_status:
                start, err0 = self.fpm_start.get(name, (None, None))
                end, err1 = self._accepted(host)
                fpm = FpmCounters(path=host.fpm_status, accepted_start=start, accepted_end=end, error=err1 or err0)
            nodes.append(NodeFigures(name=name, role=host.role, instance=host.instance, fpm=fpm, **figures))
        return ClusterSnapshot(
            window_start=round(self.t0, 3),
            window_end=round(t1, 3),
            prometheus=cfg.prometheus.url if cfg.prometheus else None,
            prometheus_error=prom_error,
            nodes=nodes,
            replicas=self._replicas(),
            uptime=self._uptime(prom, prom_error, t1),
        )

    def _uptime(self, prom: Prometheus | None, prom_error: str | None, t1: float) -> Uptime | None:
        """The operators' probe over its period: the share of samples that were 1 (0 when the site did not
        answer), how many samples that is, and how far back the oldest goes (a probe added yesterday does
        not cover a 7-day period)."""
        pc = self.ctx.config.prometheus
        if pc is None or pc.uptime is None:
            return None
        sel, period = pc.uptime, pc.uptime_period
        queries = {
            "share": f"avg(avg_over_time({sel}[{period}]))",
            "samples": f"sum(count_over_time({sel}[{period}]))",
            "first_sample_age_s": f"time() - min(min_over_time(timestamp({sel})[{period}:]))",
        }
        figures = {
            k: prom.at(q, t1) if prom else Series(query=q, error=prom_error or "no prometheus")
            for k, q in queries.items()
        }
        return Uptime(selector=sel, period=period, **figures)

    def _replicas(self) -> list[ReplicaFigures]:
        cfg = self.ctx.config.mysql
        if cfg is None or not cfg.replicas:
            return []
        from perfscore.gatherers.clients import mysql_connect

        password = resolve_password(cfg, self.ctx.base_dir, "mysql") or ""
        primary_gtid = None
        out = []
        for target in [None, *cfg.replicas]:
            host, port = (cfg.host, cfg.port) if target is None else (target.host, target.port)
            try:
                conn = mysql_connect(
                    host=host, port=port, user=cfg.user, password=password, database=None,
                    connect_timeout=cfg.connect_timeout_s, read_timeout=self.http_timeout,
                    allow_cleartext=cfg.allow_cleartext_password,
                )  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - each replica's failure is its own figure
                if target is not None:
                    out.append(ReplicaFigures(host=host, port=port, error=clean(str(exc), oneline=True)[:300]))
                continue
            try:
                with conn.cursor() as cur:
                    if target is None:
                        primary_gtid = _gtid(cur, "@@gtid_binlog_pos", "@@gtid_executed")
                        continue
                    row, cols = _replica_status(cur)
                    applied = _gtid(cur, "@@gtid_slave_pos", "@@gtid_executed")
            except Exception as exc:  # noqa: BLE001
                if target is not None:  # the primary's GTID is evidence; failing to read it fails no replica
                    out.append(ReplicaFigures(host=host, port=port, error=clean(str(exc), oneline=True)[:300]))
                continue
            finally:
                conn.close()
            if row is None:
                out.append(ReplicaFigures(host=host, port=port, error="not a replica (SHOW REPLICA STATUS is empty)"))
                continue
            # MySQL 8.4's Replica_*/Source_* columns under the names MariaDB and older MySQL use.
            st = {
                k.replace("Replica_", "Slave_").replace("_Source", "_Master"): v
                for k, v in zip(cols, row, strict=False)
            }
            behind = st.get("Seconds_Behind_Master")
            out.append(
                ReplicaFigures(
                    host=host,
                    port=port,
                    io_running=st.get("Slave_IO_Running") == "Yes",
                    sql_running=st.get("Slave_SQL_Running") == "Yes",
                    seconds_behind=float(behind) if behind is not None else None,
                    replica_gtid=applied or None,
                    primary_gtid=primary_gtid,
                    last_error=clean(str(st.get("Last_SQL_Error") or st.get("Last_IO_Error") or ""), oneline=True)[:300]
                    or None,
                )
            )
        return out
