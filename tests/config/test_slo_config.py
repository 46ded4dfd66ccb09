"""The config's slo: block: LoanFlow's KPIs when left out, clear messages when wrong, and the ramp follows it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from perfscore.config import Config, SloConfig, load_config
from perfscore.errors import PerfscoreError
from tests.conftest import assert_clean_error, perfscore


def _load(tmp_path: Path, doc: dict[str, object]) -> Config:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(doc))
    return load_config(path)


def test_left_out_it_is_loanflows_kpis_and_the_seed_ramp() -> None:
    cfg = Config()
    assert (cfg.slo.peak_rps, cfg.slo.concurrent_users, cfg.slo.p95_ms, cfg.slo.p99_ms, cfg.slo.error_rate) == (
        1000,
        5000,
        200,
        500,
        0.001,
    )
    assert cfg.audit.load.ramp == [1, 4, 16, 64, 256, 1024, 5000]
    assert (cfg.audit.load.slo_p95_ms, cfg.audit.load.slo_error_rate) == (200, 0.001)
    snap = cfg.slo.snapshot()
    assert not snap.custom and snap.describe().startswith("LoanFlow KPIs (default; set slo: in your config)")


def test_the_ramp_and_its_bars_follow_the_slo(tmp_path: Path) -> None:
    cfg = _load(tmp_path, {"slo": {"peak_rps": 20, "concurrent_users": 50, "p95_ms": 300, "error_rate": 0.01}})
    assert cfg.audit.load.ramp == [1, 4, 16, 50]
    assert (cfg.audit.load.slo_p95_ms, cfg.audit.load.slo_error_rate) == (300, 0.01)
    assert cfg.slo.p99_ms == 750  # left out: the seed's p99/p95 ratio
    snap = cfg.slo.snapshot()
    assert snap.custom and snap.describe() == "your SLO — 20 req/s, 50 users, p95 300 ms, p99 750 ms, errors < 1 %"


def test_the_older_keys_still_override_the_ramp(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        {
            "slo": {"p95_ms": 300, "concurrent_users": 50},
            "audit": {"load": {"slo_p95_ms": 150, "slo_error_rate": 0.02, "ramp": [2, 8]}},
        },
    )
    assert (cfg.audit.load.slo_p95_ms, cfg.audit.load.slo_error_rate, cfg.audit.load.ramp) == (150, 0.02, [2, 8])
    assert cfg.slo.p95_ms == 300  # the score's target is still the SLO's


@pytest.mark.parametrize(
    ("slo", "needle"),
    [
        ({"peak_rps": -5}, "slo.peak_rps: Input should be greater than 0"),
        ({"peak_rps": 0}, "slo.peak_rps: Input should be greater than 0"),
        ({"concurrent_users": 0}, "slo.concurrent_users: Input should be greater than or equal to 1"),
        ({"peak_rps": "fifty"}, "slo.peak_rps: must be a number, like 50"),
        ({"p95_ms": "200"}, "slo.p95_ms: must be a number"),
        ({"error_rate": True}, "slo.error_rate: must be a number"),
        ({"error_rate": 0}, "slo.error_rate: Input should be greater than 0"),
        ({"error_rate": 5}, "slo.error_rate: Input should be less than or equal to 1"),
        ({"p95_ms": 800, "p99_ms": 300}, "p99_ms (300) is below p95_ms (800)"),
        ({"rps": 50}, "slo.rps"),
    ],
)
def test_a_wrong_slo_is_a_config_error_naming_the_key(tmp_path: Path, slo: dict[str, object], needle: str) -> None:
    with pytest.raises(PerfscoreError) as exc:
        _load(tmp_path, {"slo": slo})
    assert needle in str(exc.value) and "p.yaml:" in str(exc.value)


def test_the_cli_says_it_without_a_traceback_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("target: {base_url: 'http://127.0.0.1:9'}\nslo:\n  peak_rps: -3\n")
    for cmd in (("config", "check"), ("audit",)):
        assert_clean_error(perfscore(*cmd, "--config", str(path)), 2, "slo.peak_rps", "greater than 0")


def test_every_slo_field_is_optional() -> None:
    assert SloConfig(peak_rps=50).concurrent_users == 5000
    assert not SloConfig().snapshot().custom and SloConfig(error_rate=0.01).snapshot().custom
