"""Advice that fits the app: a remediation's text chosen by the run's stack facts (pure).

The first variant whose facts were all measured with one of its values wins (WordPress gets a page-cache
plugin, a mysqli app the ``p:`` host prefix, OPcache measured on "give it room", not "turn it on");
otherwise the rubric's action, unless it assumes facts (PDO::ATTR_PERSISTENT assumes PDO) that were not
all measured to hold: then its generic action, so an app nobody could tell gets no other app's code.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfscore.audits import REGISTRY
from perfscore.audits.host import CPU_BUDGET, SATURATED, stack_share
from perfscore.audits.php import opcache
from perfscore.rubric.model import Remediation
from perfscore.run import Measurement, Run

Facts = Mapping[str, tuple[str | bool, str]]  # fact -> (value, where it was read)
OPCACHE = next(mid for mid, spec in REGISTRY.items() if spec.fn is opcache)  # the metric that measures it


def facts_of(run: Run, measurements: Mapping[str, Measurement] | None = None) -> dict[str, tuple[str | bool, str]]:
    """The run's stack facts: what its stack snapshot read, OPcache's state as the ``php.opcache`` measurement
    found it (measured beats inferred: the app's own pool answering opcache_get_status() beats the PHP
    binary's ``-i``), and ``cpu_bound`` from this host's CPU under the audit's load."""
    found: dict[str, tuple[str | bool, str]] = {}
    st = run.artifacts.stack if run.artifacts is not None else None
    for name in ("db_client", "framework", "opcache_enabled", "page_cache_present"):
        fact = getattr(st, name, None) if st is not None else None
        if fact is not None:
            found[name] = (fact.value, fact.source)
    if measurements is None:  # not re-derived: the run's own
        measurements = {x.metric: x for x in run.measurements}
    m = measurements.get(OPCACHE)
    if m is not None and (state := _opcache_state(m)) is not None:
        found["opcache_enabled"] = state
    if (cpu := cpu_bound_of(run)) is not None:
        found["cpu_bound"] = cpu
    return found


def _opcache_state(m: Measurement) -> tuple[bool, str] | None:
    """OPcache on or off as the ``php.opcache`` audit measured it. Its value is "on and not full": a false
    with a reason it is full is OPcache on; a false with no reason is off only when a source was read."""
    if m.status != "measured" or not isinstance(m.value, bool):
        return None
    where = m.evidence.get("source")
    read = isinstance(where, str) and bool(where)
    said = str(where)[:200] if read else f"the {OPCACHE} measurement"
    if m.value:
        return True, said
    if m.evidence.get("full"):
        return True, f"{said}: on, but full"
    return (False, said) if read else None


def cpu_bound_of(run: Run) -> tuple[bool, str] | None:
    """``cpu_bound``: the app's host ran out of CPU under the load this audit drove. True when, in the
    window's traffic or at any ramp step whose generator kept up, the rest of the host used ≥ 90 % of the
    CPU perfscore's own load generators left it; false when it never used more than 70 % (the CPU budget);
    not told in between, or when the app does not run on this machine (its CPU is then not this host's)."""
    a = run.artifacts
    if a is None or a.memory is None:  # the process snapshot exists only when the app runs here
        return None
    readings: list[tuple[float, str]] = []
    w = a.window
    if w is not None and w.concurrent and w.host is not None and w.host.wall_s > 0:
        share = stack_share(w.host.busy_share, w.host.own_share)
        if share is not None:
            readings.append((share, "in the window's traffic"))
    for step in a.ramp.steps if a.ramp is not None else []:
        if step.valid and not step.generator_saturated:
            share = stack_share(step.host_busy, step.perfscore_busy)
            if share is not None:
                readings.append((share, f"at the ramp's {step.concurrency:,} users"))
    if not readings:
        return None
    share, where = max(readings, key=lambda r: r[0])
    said = f"this host's CPU {share:.0%} busy {where}, perfscore's own use left aside"
    if share >= SATURATED:
        return True, said
    return (False, f"at most {said}") if share < CPU_BUDGET else None


def _holds(when: Mapping[str, list[str | bool]], facts: Facts) -> bool:
    return all(name in facts and facts[name][0] in values for name, values in when.items())


def _said(names: list[str], facts: Facts) -> list[str]:
    return [
        f"{n}: {str(facts[n][0]).lower() if isinstance(facts[n][0], bool) else facts[n][0]} ({facts[n][1]})"
        for n in names
        if n in facts
    ]


def choose(r: Remediation, facts: Facts) -> tuple[str, str, list[str]]:
    """(title, action, the measured facts it rests on, each with its source)."""
    for v in r.variants:
        if _holds(v.when, facts):
            return v.title or r.title, v.action, _said(list(v.when), facts)
    if r.assumes and not _holds(r.assumes, facts):  # contradicted, or not told: never another app's code
        return r.title, r.generic or r.action, _said([n for n in r.assumes if n in facts], facts)
    return r.title, r.action, _said(list(r.assumes), facts)
