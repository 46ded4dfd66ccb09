"""The faults' steady traffic runs at a share of the capacity the audit measured (issue 27: "during steady
traffic at a fraction of the measured capacity"), unless the config sets its rate."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from perfscore.artifacts.ramp import RampSnapshot, RampStep
from perfscore.config import Config
from perfscore.session.resilience import steady_rate
from perfscore.session.runner import _capacity

FAULT = {"name": "f", "command": "true", "duration_s": 1}


def cfg(**resilience: Any) -> Config:
    return Config.model_validate(
        {"target": {"base_url": "http://127.0.0.1:9"}, "audit": {"resilience": {"faults": [FAULT], **resilience}}}
    )


@pytest.mark.parametrize(
    ("resilience", "capacity", "rate", "said"),
    [
        ({"rate": 7}, 800.0, 7.0, "set in the config"),  # the config's rate wins over any capacity
        ({}, 160.0, 40.0, "25% of 160.0 requests/s (the ramp)"),
        ({}, 4000.0, 50.0, "25% of 4,000.0"),
        ({"capacity_share": 0.5}, 60.0, 30.0, "50% of 60.0"),
        ({}, 4000.0, 50.0, "capped at 50"),  # a large capacity: perfscore's threads, not the app, would tire
        ({}, 3.0, 2.0, "25% of 3.0"),  # too few a second to judge one steady: the floor
        ({}, None, 20.0, "no capacity measured"),
    ],
)
def test_the_steady_rate_follows_the_measured_capacity(
    resilience: dict[str, Any], capacity: float | None, rate: float, said: str
) -> None:
    got, basis = steady_rate(cfg(**resilience), capacity, "the ramp")
    assert got == rate and said in basis, (got, basis)


def step(users: int, rps: float, error_rate: float = 0.0, valid: bool = True, p95_ms: float = 10.0) -> RampStep:
    return RampStep(concurrency=users, rps=rps, p95_ms=p95_ms, error_rate=error_rate, valid=valid)


def test_the_capacity_is_the_ramps_best_good_step_else_the_windows_rate() -> None:
    ramp = RampSnapshot(
        slo_p95_ms=200,
        slo_error_rate=0.001,
        steps=[
            step(1, 90),
            step(8, 400),
            step(16, 600, p95_ms=450.0),  # past the SLO's p95
            step(32, 900, error_rate=0.2),
            step(64, 950, valid=False),
        ],
    )
    window = SimpleNamespace(load=SimpleNamespace(rps=120.0, error_rate=0.0))  # as _capacity reads a window
    failing = SimpleNamespace(load=SimpleNamespace(rps=2000.0, error_rate=0.4))  # fast 502s are no capacity
    assert _capacity({"ramp": ramp, "window": window}, 0.001) == (400.0, "the ramp's best step, 8 users")
    assert _capacity({"window": window}, 0.001) == (120.0, "the window's rate")
    assert _capacity({"window": failing}, 0.001) == (None, "")
    assert _capacity({}, 0.001) == (None, "")
