"""The one gate language: ``<metric> <op> <value>[<unit>]``, parsed and evaluated in one place.

Every pass/fail rule perfscore applies is one of these expressions: a load run's ``--threshold p95<200``,
a score floor (``--fail-under 90`` is ``score>=90``, ``database=85`` is ``category.database>=85``), the
allowed drop against a baseline (``score.drop<=2``). Each caller owns its vocabulary (which metric ids
exist, which units each takes, what a refused expression is called); the grammar, the unit table and the
comparison are here, so a later ``--assert 'http.p95_latency<100ms'`` on any metric id is one more caller.

A metric id is lower-case letters, digits, ``_`` and ``.`` (``p95``, ``errors``, ``http.p95_latency``);
the operators are ``<``, ``<=``, ``>``, ``>=``; the value a plain decimal number, optionally followed by a
unit from :data:`UNITS` (``ms``, ``s``, ``%``). A rule's ``level`` is ``error`` (it fails the gate) unless
it ends in ``:warn`` (reported, never failing): ``http.error_rate<0.1%:warn``; ``:error`` may be written.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, cast

Op = Literal["<", "<=", ">", ">="]
Level = Literal["error", "warn"]

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# unit as written -> (dimension, factor to the dimension's base unit): ``1s`` is ``1000`` ms, ``5%`` a ratio of 0.05.
UNITS: dict[str, tuple[str, float]] = {
    "ms": ("time", 1.0),
    "s": ("time", 1000.0),
    "%": ("ratio", 0.01),
}
_EXPR = re.compile(r"^\s*([a-z0-9_][a-z0-9_.]*)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*([a-z%]+)?\s*$")


@dataclass(frozen=True)
class Expr:
    """One rule: ``metric op limit``, ``limit`` in the base unit of ``unit``'s dimension (ms, a ratio)."""

    text: str  # as written, stripped
    metric: str
    op: Op
    number: str  # the value as written, before the unit
    unit: str | None
    limit: float
    level: Level = "error"

    def holds(self, actual: float | None) -> bool:
        """Whether a measured value meets the rule; nothing measured meets nothing."""
        return actual is not None and OPS[self.op](actual, self.limit)


@dataclass(frozen=True)
class Outcome:
    expr: Expr
    actual: float | None
    passed: bool


def parse(text: str, level: Level = "error") -> Expr | None:
    """The expression ``text`` (case-insensitive), or None when it is not ``METRIC OP VALUE[UNIT]`` with a known
    unit. Callers check the metric and unit against their own vocabulary and word their own refusal."""
    m = _EXPR.match(text.lower())
    if not m:
        return None
    metric, op, number, unit = m.groups()
    if unit is not None and unit not in UNITS:
        return None
    limit = float(number) * (UNITS[unit][1] if unit else 1.0)  # may be inf (400 digits): the caller says so
    return Expr(text=text.strip(), metric=metric, op=cast(Op, op), number=number, unit=unit, limit=limit, level=level)


LEVELS: tuple[Level, ...] = ("error", "warn")


def parse_with_level(text: str) -> Expr | None:
    """``METRIC OP VALUE[UNIT][:LEVEL]``: an expression with its level (``error`` when none is written), or
    None when it is not one (an unknown level too)."""
    body, sep, level = text.rpartition(":")
    if not sep:
        return parse(text)
    level = level.strip().lower()
    if level not in LEVELS:
        return None
    return parse(body, level)  # its text is the rule alone: reports show the level beside it


def rule(metric: str, op: Op, limit: float, text: str | None = None) -> Expr:
    """An expression built from parts (a config value, an option that is not written as an expression)."""
    return Expr(
        text=text or f"{metric}{op}{limit:g}", metric=metric, op=op, number=f"{limit:g}", unit=None, limit=limit
    )


def evaluate(exprs: Iterable[Expr], actual: Callable[[str], float | None]) -> list[Outcome]:
    """Each rule against ``actual(metric)``: one evaluator for thresholds, floors and budgets."""
    out = []
    for e in exprs:
        v = actual(e.metric)
        out.append(Outcome(expr=e, actual=v, passed=e.holds(v)))
    return out
