"""The audit registry: every metric perfscore can produce is declared here, once, by its audit.

An audit is a pure function from artifacts (gatherers' snapshots) to an
``Outcome``. The decorator is the metric's one definition (like a Lighthouse
audit's ``meta``): its id, title, unit, category, a description of what it
measures and a link to the primary source behind it. The rubric only scores
it (curve, target, weight, remediation) and may override its title. The
artifacts it reads come from the types of its arguments (the first is its own;
``X | None`` marks one it can do without). Nothing else may produce a
measurement, so the rubric, the reports, the docs (docs/metrics.md) and the
tests can be checked against one list (``REGISTRY``).
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.window import WindowSnapshot
from perfscore.run import Measurement, Status, Value

METRIC_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass(frozen=True)
class Outcome:
    """What an audit found; the registry adds the id, unit and source."""

    status: Status
    value: Value = None
    reason: str | None = None
    low_confidence: str | None = None
    summary: str | None = None
    evidence: dict[str, Any] | None = None
    advice: str | None = None  # a fix that fits what was found, in place of the rubric's generic action


class Unmeasurable(Exception):
    """Raised by an audit's helper when the artifact holds no figure; the message is the reason."""


class NotEnoughData(Exception):
    """Raised by an audit's helper when too few events lie behind the figure; the message says how many."""


MIN_REQUESTS = 100  # fewest HTTP requests in the window behind a per-request verdict


def window_requests(w: WindowSnapshot) -> int:
    """The HTTP requests the app served while the servers' counters ran (the measured ones, the warm-up's
    and those cut off at the end), enough for a per-request verdict, or why not."""
    if w.load is None:
        raise Unmeasurable(w.error or "no traffic was driven during the window")
    if not w.concurrent:
        raise Unmeasurable(
            "the load came from a run that had ended before this window: the servers' counters are not of its "
            "requests (run it as the window with --load-command)"
        )
    if w.load.local_errors:
        raise Unmeasurable(
            f"the load generator could not open {w.load.local_errors:,} connections (this machine's file "
            "descriptors or ports ran out): the window says nothing about the target"
        )
    if w.load.requests < MIN_REQUESTS:
        raise NotEnoughData(f"{w.load.requests:,} HTTP requests in the window, {MIN_REQUESTS:,} needed for a verdict")
    # The servers' counters also saw the warm-up's requests and those still in flight at the end: the app
    # served them, so they divide its statements, connections and log lines too. A request that never got a
    # connection (refused, or never accepted) is an error the app did not serve.
    return max(w.load.requests - w.load.connect_errors, 0) + w.load.warmup_requests + w.load.abandoned


def p95(values: list[float]) -> float:
    """The 95th percentile of a few samples, by nearest rank on the sorted list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measured(
    value: float | bool,
    *,
    low_confidence: str | None = None,
    summary: str | None = None,
    advice: str | None = None,
    **evidence: Any,
) -> Outcome:
    return Outcome("measured", value, None, low_confidence, summary, evidence, advice)


def unavailable(reason: str, **evidence: Any) -> Outcome:
    return Outcome("unavailable", None, reason, evidence=evidence)


def not_applicable(reason: str, value: Value = None, **evidence: Any) -> Outcome:
    return Outcome("not_applicable", value, reason, evidence=evidence)


def insufficient(reason: str, value: Value = None, **evidence: Any) -> Outcome:
    """Too few events behind the figure to judge it: say how many, and what would give more."""
    return Outcome("insufficient_data", value, reason, evidence=evidence)


AuditFn = Callable[..., Outcome]


@dataclass(frozen=True)
class AuditSpec:
    id: str
    title: str  # what reports call it, unless the rubric overrides it
    unit: str
    category: str  # the rubric category it is scored in
    description: str  # what it measures and how (docs/metrics.md)
    source: str  # an http(s) link to the primary source of the figure (a counter's documentation, a method)
    reads: str  # the artifact it is computed from (its first argument)
    fn: AuditFn
    also: tuple[str, ...] = ()  # further artifacts it reads (further arguments), e.g. the window's traffic
    optional: frozenset[str] = frozenset()  # of those, the ones it can do without (annotated ``X | None``)

    def run(self, snapshot: Snapshot, *more: Snapshot | None) -> Measurement:
        try:
            out = self.fn(snapshot, *more)
        except Unmeasurable as exc:
            out = unavailable(str(exc))
        except NotEnoughData as exc:
            out = insufficient(f"{exc}: audit for longer or under more traffic")
        except Exception as exc:  # an audit bug costs its metric, not the whole score
            if os.environ.get("PERFSCORE_DEBUG"):
                raise
            out = unavailable(f"audit failed: {type(exc).__name__}: {str(exc)[:200]}")
        return Measurement(
            metric=self.id,
            value=out.value,
            unit=self.unit,
            status=out.status,
            reason=out.reason,
            probe=self.reads,
            low_confidence=out.low_confidence,
            summary=out.summary,
            advice=out.advice,
            evidence=out.evidence or {},
        )

    def missing(self, reason: str, applicable: bool = True) -> Measurement:
        status = "unavailable" if applicable else "not_applicable"
        return Measurement(metric=self.id, status=status, reason=reason, unit=self.unit, probe=self.reads)


REGISTRY: dict[str, AuditSpec] = {}


def _snapshot_arg(hint: Any) -> tuple[str, bool] | None:
    """(artifact, optional) of a ``Snapshot`` or ``Snapshot | None`` annotation, else None."""
    members = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    snaps = [m for m in members if isinstance(m, type) and issubclass(m, Snapshot)]
    if len(snaps) != 1 or len(members) > 2 or (len(members) == 2 and type(None) not in members):
        return None
    return snaps[0].artifact, len(members) == 2


F = TypeVar("F", bound=Callable[..., Outcome])


def audit(metric: str, *, title: str, unit: str = "", category: str, description: str, source: str) -> Callable[[F], F]:
    """Declare the audit of ``metric``. A second audit of the same id is a programming error.

    The artifacts it reads are the Snapshot types of its arguments, in order.
    """
    if not METRIC_ID.match(metric):
        raise ValueError(f"audit id {metric!r} must be lowercase and dotted")
    if not title.strip() or not description.strip() or not category.strip():
        raise ValueError(f"audit {metric}: title, category and description must not be empty")
    if not source.startswith(("https://", "http://")):
        raise ValueError(f"audit {metric}: source must be an https:// (or http://) link, not {source!r}")

    def register(fn: F) -> F:
        if metric in REGISTRY:
            raise ValueError(f"metric {metric} is declared twice ({REGISTRY[metric].fn} and {fn})")
        parsed = [_snapshot_arg(v) for k, v in typing.get_type_hints(fn).items() if k != "return"]
        args = [a for a in parsed if a is not None]
        if not args or len(args) != len(parsed) or args[0][1]:
            raise TypeError(f"audit {metric}: each argument must be annotated with a Snapshot type (or X | None)")
        names = [name for name, _ in args]
        optional = frozenset(name for name, opt in args if opt)
        REGISTRY[metric] = AuditSpec(
            metric, title, unit, category, description, source, names[0], fn, tuple(names[1:]), optional
        )
        return fn

    return register
