"""The docs state the defaults the code has (issue 14: the README said the ramp went to 5,000 users; the
code stopped at 1,024). The defaults line and the probes' table live in docs/auditing.md (issue 23)."""

from __future__ import annotations

from perfscore.config import AuditConfig, MySQLConfig, RedisConfig
from tests.conftest import REPO


def _g(v: float) -> str:
    return f"{v:g}"


def test_the_documented_defaults_are_the_codes() -> None:
    audit, mysql, redis = AuditConfig(), MySQLConfig(), RedisConfig()
    load = audit.load
    expected = (
        f"`audit.duration_s` {_g(audit.duration_s)}, `audit.probe_timeout_s` {_g(audit.probe_timeout_s)}, "
        f"`audit.load.connections` {load.connections}, `audit.load.ramp` [{', '.join(map(str, load.ramp))}], "
        f"`audit.load.step_s` {_g(load.step_s)}, `audit.load.slo_p95_ms` {_g(load.slo_p95_ms)}, "
        f"`audit.load.slo_error_rate` {_g(load.slo_error_rate)}, `mysql.connect_timeout_s` "
        f"{_g(mysql.connect_timeout_s)}, `redis.timeout_s` {_g(redis.timeout_s)}."
    )
    page = " ".join((REPO / "docs" / "auditing.md").read_text().split())
    assert expected in page
    ramp = ", ".join(map(str, load.ramp))
    assert f"stepped concurrency ramp (default {ramp} users" in page
    assert f"default {_g(audit.duration_s)} s, {load.connections} users" in page
