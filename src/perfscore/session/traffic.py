"""Turn the target config into load-engine specs (the audit window's traffic, the ramp's steps)."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from perfscore.config import Config
from perfscore.gatherers.redirects import redirect_problem, strict
from perfscore.load.target import check_target, parse_url
from perfscore.loadmodel import Endpoint, LoadSpec

# One generator process keeps up with a PHP app at audit concurrencies; two for large steps.
SECOND_WORKER_AT = 256


def config_endpoints(cfg: Config, base: str) -> list[Endpoint]:
    """The config's endpoint mix, with paths under the base URL's own path; an endpoint whose
    redirects lead nowhere expects 2xx only (its 3xx are failures)."""
    prefix = urlsplit(base).path.rstrip("/")
    out = []
    for e in cfg.endpoints:
        e = Endpoint.model_validate({**e.model_dump(), "path": prefix + e.path})  # validated, not copied
        out.append(strict(e) if redirect_loop(base, e, cfg.target.user_agent) else e)
    return out


@functools.cache
def _loop(url: str, headers: tuple[tuple[str, str], ...], user_agent: str) -> str | None:
    return redirect_problem(url, dict(headers), user_agent)


def redirect_loop(base: str, endpoint: Endpoint, user_agent: str) -> str | None:
    """Why ``endpoint``'s redirects lead nowhere, or None; checked once per audit (GET only: no write)."""
    if endpoint.method != "GET" or endpoint.expect_status:
        return None
    parts = urlsplit(base)
    return _loop(f"{parts.scheme}://{parts.netloc}{endpoint.path}", tuple(sorted(endpoint.headers.items())), user_agent)


def load_spec(
    cfg: Config, *, connections: int, duration_s: float, warmup_s: float = 0.5, rate: float | None = None
) -> LoadSpec:
    base = cfg.target.base_url
    assert base is not None
    url = parse_url(base)
    endpoints = config_endpoints(cfg, base)
    return LoadSpec(
        host=url.host,
        port=url.port,
        host_header=url.host_header,
        tls=url.tls,
        insecure=cfg.target.insecure_tls,
        endpoints=endpoints,
        connections=connections,
        duration_s=duration_s,
        warmup_s=warmup_s,
        rate=rate,
        user_agent=cfg.target.user_agent,
        timeout_s=min(10.0, cfg.audit.probe_timeout_s),
        workers=2 if connections >= SECOND_WORKER_AT else 1,
    )


def preflight(cfg: Config) -> None:
    """Raise PerfscoreError if the load engine cannot (or may not) drive this target."""
    base = cfg.target.base_url
    assert base is not None
    url = parse_url(base)
    check_target(url.host, url.port, url.host_header, cfg.target.allow_remote, url.tls, cfg.target.insecure_tls)
