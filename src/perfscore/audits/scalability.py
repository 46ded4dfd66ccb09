"""Scalability audits: the highest throughput and concurrency of the ramp that met the SLO; a USL fit."""

from __future__ import annotations

import math
from typing import Any

from perfscore.artifacts.ramp import RampSnapshot, RampStep
from perfscore.audits.base import Outcome, audit, measured, unavailable
from perfscore.audits.host import cpu_bound
from perfscore.usl import fit_usl

CATEGORY = "scalability"


def _users(n: int) -> str:
    return f"{n:,} user" + ("s" if n != 1 else "")


def meets_slo(step: RampStep, slo_p95_ms: float, slo_error_rate: float) -> bool:
    """The ramp phase uses this too, to stop after two steps in a row break the SLO."""
    return step.p95_ms is not None and step.p95_ms < slo_p95_ms and step.error_rate < slo_error_rate and step.valid


def _usl(steps: list[RampStep]) -> dict[str, Any] | None:
    usl = fit_usl([(s.concurrency, s.rps) for s in steps if s.error_rate < 0.5])
    if usl is None:
        return None
    return {
        "sigma": round(usl.sigma, 6),
        "kappa": round(usl.kappa, 9),
        "lambda": round(usl.lam, 2),
        "peak_concurrency": usl.peak_concurrency,
        "peak_throughput": usl.peak_throughput if math.isfinite(usl.peak_throughput) else None,
        "note": "no peak: coherency cost ≈ 0" if usl.peak_concurrency is None else None,
    }


def _ramp(s: RampSnapshot) -> tuple[RampStep | None, list[RampStep], str, dict[str, Any]]:
    good = [st for st in s.steps if meets_slo(st, s.slo_p95_ms, s.slo_error_rate)]
    slo = f"p95 < {s.slo_p95_ms:g} ms and errors < {s.slo_error_rate:.2%}"
    best = max(good, key=lambda st: st.rps) if good else None
    summary = (
        f"highest throughput meeting {slo}: {best.rps:,.0f} req/s at {_users(best.concurrency)}"
        if best
        else f"no step met the SLO ({slo})"
    )
    cut = sum(st.abandoned for st in s.steps)
    if cut:  # the generator's cut-off: in no step's error rate or throughput, so in no verdict
        summary += (
            f"; {cut:,} request{'s' if cut != 1 else ''} cut off at the steps' ends (in flight as a step ended, the "
            "app still answering): left out, neither successes nor errors"
        )
    steps = [{**st.model_dump(), "meets_slo": st in good} for st in s.steps]
    evidence = {"steps": steps, "slo": slo, "slo_p95_ms": s.slo_p95_ms, "usl": _usl(s.steps)}
    return best, good, summary, evidence


def _generator_bound(s: RampSnapshot, best: RampStep | None) -> str | None:
    """Why the figure is only a lower bound: the generator, not the target, failed a step past the best."""
    start = best.concurrency if best else 0
    for st in s.steps:
        if st.concurrency <= start:
            continue
        if st.local_errors:
            return (
                f"a lower bound: at {_users(st.concurrency)} this machine could not open {st.local_errors:,} "
                "connections (file descriptors or ports ran out; raise 'ulimit -n'), so the target was not tested there"
            )
        if st.generator_saturated:
            return f"a lower bound: at {_users(st.concurrency)} the load generator itself saturated"
    return None


def _cpu_advice(s: RampSnapshot) -> str | None:
    """Advice for a ramp whose host CPU ran out: at the first step where it did."""
    for st in s.steps:
        if st.generator_saturated or not st.valid:
            continue  # the generator's own limit: its figures say nothing of the app's CPU
        advice = cpu_bound(st.host_busy, st.perfscore_busy, f"at {_users(st.concurrency)}")
        if advice:
            return advice
    return None


def _served(st: RampStep) -> float:
    """The requests the app served during the step's counter window: the warm-up's, the measured ones and those
    cut off at its end (the app ran them all); estimated from the rate for steps saved without the counts."""
    return float(st.sent) if st.sent is not None else st.rps * (st.wall_s or 0.0)


@audit(
    "load.max_throughput",
    title="Highest throughput meeting the SLO",
    unit="req/s",
    category=CATEGORY,
    description="requests per second of the highest ramp step whose p95 and error rate met the SLO (0 when none "
    "did; requests cut off at a step's end, the app still answering, are in neither figure); each step's rps, p95, "
    "error rate and cut-off requests and a Universal Scalability Law fit in the evidence",
    source="https://grafana.com/docs/k6/latest/testing-guides/test-types/breakpoint-testing/",
)
def max_throughput(s: RampSnapshot) -> Outcome:
    if not s.steps:
        return unavailable("the ramp ran no step")
    best, _, summary, evidence = _ramp(s)
    return measured(
        float(best.rps) if best else 0.0,
        summary=summary,
        advice=_cpu_advice(s),
        low_confidence=_generator_bound(s, best),
        **evidence,
    )


@audit(
    "load.max_concurrency",
    title="Concurrent users held within the SLO",
    unit="users",
    category=CATEGORY,
    description="the highest ramp step whose p95 and error rate met the SLO",
    source="https://www.perfdynamics.com/Manifesto/USLscalability.html",
)
def max_concurrency(s: RampSnapshot) -> Outcome:
    if not s.steps:
        return unavailable("the ramp ran no step")
    _, good, summary, evidence = _ramp(s)
    top = max(good, key=lambda st: st.concurrency) if good else None
    value = float(top.concurrency) if top else 0.0
    return measured(value, summary=summary, advice=_cpu_advice(s), low_confidence=_generator_bound(s, top), **evidence)


@audit(
    "mysql.peak_queries_per_second",
    title="Database queries per second at the highest sustainable load",
    unit="queries/s",
    category="database",
    description="the database's Questions during the ramp step with the highest throughput meeting the SLO, over the "
    "step's wall time: what the database served at the app's peak, not its capacity",
    source="https://mariadb.com/kb/en/server-status-variables/#queries",
)
def peak_queries_per_second(s: RampSnapshot) -> Outcome:
    if not s.steps:
        return unavailable("the ramp ran no step")
    best, _, summary, _ = _ramp(s)
    if best is None:
        return unavailable(f"no sustainable load: {summary}")
    if best.db_queries is None or not best.wall_s:
        return unavailable(
            "the database's statement counter was not read during the ramp's steps (no mysql section, or the steps "
            "came from Locust or another tool's file)"
        )
    qps = best.db_queries / best.wall_s
    return measured(
        round(qps, 1),
        summary=None,
        at_rps=round(best.rps, 1),
        at_users=best.concurrency,
        queries_per_request=round(best.db_queries / max(_served(best), 1e-9), 3),
        steps=[
            {"users": st.concurrency, "qps": round(st.db_queries / st.wall_s, 1)}
            for st in s.steps
            if st.db_queries is not None and st.wall_s
        ],
        note="the database serves what the app asks: a well-cached app needs few queries per second",
    )
