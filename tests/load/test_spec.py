"""load/spec.py: the load command's options checked into a plan, in process (no request is sent)."""

from __future__ import annotations

import pytest

from perfscore.errors import PerfscoreError
from perfscore.load.spec import LoadOptions, build_plan


def plan_error(**options: object) -> str:
    with pytest.raises(PerfscoreError) as err:
        build_plan(LoadOptions(**options), print)  # type: ignore[arg-type]
    return err.value.message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fmt": "xml"}, "unknown format 'xml'; choose terminal or json."),
        ({"engine": "nope"}, "unknown engine 'nope'; choose builtin or locust."),
        ({"connections": 0}, "-c 0 is out of range"),
        ({"rate": 0.0}, "--rate 0 is out of range"),
        ({"duration": "2h"}, "-d 2h: out of range, more than 0 and at most 1h."),
        ({"thresholds": ("p95<3%",)}, "only errors takes a percentage"),
        ({"headers": ("bad",)}, "header 'bad' is not 'Name: value'."),
        ({}, "give a URL, or --config with a target and endpoints."),
        ({"url": "http://10.0.0.1/"}, "10.0.0.1 is not a loopback address"),
    ],
)
def test_refusals_before_anything_is_sent(options: dict[str, object], message: str) -> None:
    assert message in plan_error(**options)
