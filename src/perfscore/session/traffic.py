"""Turn the target config into load-engine specs (the audit window's traffic, the ramp's steps)."""

from __future__ import annotations

from urllib.parse import urlsplit

from perfscore.config import Config
from perfscore.load.model import Endpoint, LoadSpec
from perfscore.load.target import check_target, parse_url

# One generator process keeps up with a PHP app at audit concurrencies; two for large steps.
SECOND_WORKER_AT = 256


def config_endpoints(cfg: Config, base: str) -> list[Endpoint]:
    """The config's endpoint mix, with paths under the base URL's own path."""
    prefix = urlsplit(base).path.rstrip("/")
    return [e.model_copy(update={"path": prefix + e.path}) for e in cfg.endpoints]


def load_spec(
    cfg: Config, *, connections: int, duration_s: float, warmup_s: float = 0.5, rate: float | None = None
) -> LoadSpec:
    base = cfg.target.base_url
    assert base is not None
    host, port, host_header, _ = parse_url(base)
    endpoints = config_endpoints(cfg, base)
    return LoadSpec(
        host=host,
        port=port,
        host_header=host_header,
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
    host, port, host_header, _ = parse_url(base)
    check_target(host, port, host_header, cfg.target.allow_remote)
