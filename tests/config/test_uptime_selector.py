"""prometheus.uptime is one series selector, never an expression (it is put into PromQL as written)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from perfscore.config import PrometheusConfig

URL = "http://127.0.0.1:9090"


@pytest.mark.parametrize(
    "selector",
    [
        'probe_success{job="blackbox"}',
        'probe_success{job="blackbox", instance=~"https://shop\\\\.example\\\\.com/.*"}',
        "up{job='app'}",
        '{__name__="up",job="a"}',
        "up",
    ],
)
def test_real_selectors_are_accepted(selector: str) -> None:
    assert PrometheusConfig(url=URL, uptime=selector).uptime == selector


@pytest.mark.parametrize(
    "expression", ["", "up or 1", "sum(up)", 'up{job="a"} or vector(1)', "probe_success[5m]", "{}", 'up{job="a"}\n']
)
def test_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValidationError, match="one series selector"):
        PrometheusConfig(url=URL, uptime=expression)


def test_the_period_is_a_promql_duration() -> None:
    assert PrometheusConfig(url=URL, uptime="up", uptime_period="30d").uptime_period == "30d"
    with pytest.raises(ValidationError, match="PromQL duration"):
        PrometheusConfig(url=URL, uptime="up", uptime_period="1 week")
