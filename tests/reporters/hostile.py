"""A run whose every target-supplied string is hostile: markup, script, template syntax, control bytes."""

from __future__ import annotations

from perfscore.rubric import load_rubric
from perfscore.run import Measurement, Run, TargetInfo
from perfscore.scoring import score_run

EVIL = '<script>alert("x")</script><img src=http://evil.example/x.png onerror=alert(1)>{{7*7}} | ** [a](b) \x1b[31m\x07'


def hostile_result():  # type: ignore[no-untyped-def]
    run = Run(
        target=TargetInfo(name=EVIL, base_url="http://127.0.0.1:8088/" + EVIL, hosts={"mysql": EVIL}),
        measurements=[
            Measurement(
                metric="mysql.full_scan_statements",
                value=2.0,
                unit="statements",
                summary=EVIL,
                evidence={"statements": [{"statement": EVIL}]},
            ),
            Measurement(metric="http.error_pages_clean", value=False, summary=EVIL, evidence={"excerpt": EVIL}),
            Measurement(metric="redis.hit_ratio", status="unavailable", reason=EVIL),
            Measurement(metric="http.p95_latency", value=250.0, unit=EVIL, low_confidence=EVIL),
        ],
    )
    return score_run(run, load_rubric())
