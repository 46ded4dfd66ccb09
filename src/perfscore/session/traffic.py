"""Turn the target config into load-engine specs (the audit window's traffic, the ramp's steps)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from perfscore.config import Config
from perfscore.gatherers.redirects import redirect_problem, strict
from perfscore.load.target import check_target, parse_url
from perfscore.loadmodel import Endpoint, LoadSpec

if TYPE_CHECKING:
    from perfscore.load.spec import LoadTarget

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
    check_target(
        url.host, url.port, url.host_header, cfg.target.allow_remote, url.tls, cfg.target.insecure_tls,
        headers=cfg.target.request_headers(),
    )  # fmt: skip


def config_target(path: Path, url: str | None, allow_remote: bool, insecure: bool) -> LoadTarget:
    """``perfscore load --config``: the config's base URL (or ``url``) and endpoint mix, the target checked
    before the endpoints' redirect check sends anything."""
    from perfscore import tls
    from perfscore.config import load_config
    from perfscore.errors import PerfscoreError
    from perfscore.load.spec import LoadTarget

    cfg = load_config(path)
    base = url or cfg.target.base_url
    if not base or not cfg.endpoints:
        raise PerfscoreError(f"{path} has no target.base_url or no endpoints; give a URL.")
    allow_remote = allow_remote or cfg.target.allow_remote
    insecure = insecure or cfg.target.insecure_tls
    tls.configure(insecure)
    u = parse_url(base)
    check_target(  # before the redirect check
        u.host, u.port, u.host_header, allow_remote, u.tls, insecure, headers=cfg.target.request_headers()
    )
    return LoadTarget(
        base=base,
        endpoints=config_endpoints(cfg, base),
        user_agent=cfg.target.user_agent,
        allow_remote=allow_remote,
        insecure=insecure,
    )
