"""The CI gate: score floors, category floors, regressions against a baseline and budgets. Pure functions.

The floors and the allowed drop are rules of the gate language (:mod:`perfscore.gate_expr`), evaluated by
its one evaluator; ``--fail-under 90`` and ``--fail-under database=85`` are shorthand for ``score>=90``
and ``category.database>=85``, and ``--max-drop 2`` for ``score.drop<=2``; a budget
(``--assert 'http.p95_latency<100ms'``, :mod:`perfscore.budgets`) is a rule on any metric of the run.
A check of level ``warn`` is reported and never fails the gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from perfscore import budgets as budgeting
from perfscore import gate_expr
from perfscore.errors import PerfscoreError
from perfscore.gate_expr import Expr
from perfscore.result import Result

if TYPE_CHECKING:
    from perfscore.config import GateConfig

# A metric whose score fell by less than this is noise, not a regression.
METRIC_EPSILON = 0.005


class GateCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    passed: bool
    message: str
    level: Literal["error", "warn"] = "error"  # warn: reported, never fails the gate

    @property
    def failed(self) -> bool:
        """Whether it fails the gate (a broken warn budget does not)."""
        return not self.passed and self.level == "error"

    @property
    def warned(self) -> bool:
        return not self.passed and self.level == "warn"


class Regression(BaseModel):
    model_config = ConfigDict(frozen=True)

    metric: str
    category: str
    before_score: float | None
    after_score: float | None
    before_value: bool | float | None
    after_value: bool | float | None
    unit: str
    points: float  # overall points lost


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    before: float
    after: float
    delta: float
    categories: dict[str, tuple[float, float]]
    regressed: list[Regression]
    improved: list[str]


FAIL_ON = ("critical", "none")


def parse_fail_on(values: list[str], configured: list[str]) -> bool:
    """``--fail-on critical`` (or ``gate.fail_on: [critical]``) turns the check on; ``--fail-on none`` off."""
    for v in values:
        if v not in FAIL_ON:
            raise PerfscoreError(f"--fail-on {v!r}: choose critical or none.")
    if values:
        return "critical" in values and "none" not in values
    return "critical" in configured


def parse_thresholds(values: list[str], categories: list[str]) -> tuple[float | None, dict[str, float]]:
    """``--fail-under 90`` and ``--fail-under database=85`` (repeatable)."""
    overall: float | None = None
    floors: dict[str, float] = {}
    for raw in values:
        name, sep, num = raw.partition("=")
        text = num if sep else name
        try:
            value = float(text)
        except ValueError:
            raise PerfscoreError(f"--fail-under {raw!r}: expected a score or CATEGORY=SCORE.") from None
        if not 0 <= value <= 100:
            raise PerfscoreError(f"--fail-under {raw!r}: a score is between 0 and 100.")
        if sep:
            if name not in categories:
                raise PerfscoreError(
                    f"--fail-under {raw!r}: unknown category {name!r} (known: {', '.join(categories)})."
                )
            floors[name] = value
        else:
            overall = value
    return overall, floors


@dataclass(frozen=True)
class GateOptions:
    """What the gate of one command checks: its options as given, then what a target config adds.

    An option wins over the config: a ``--fail-under N`` over ``gate.fail_under``, a category floor over the
    config's floor of that category, ``--fail-on`` over ``gate.fail_on``, ``--max-drop`` over
    ``gate.max_drop``."""

    fail_under: tuple[str, ...] = ()  # --fail-under SCORE|CATEGORY=SCORE, as given
    fail_on: tuple[str, ...] = ()  # --fail-on critical|none, as given
    baseline: Path | None = None
    max_drop: float | None = None  # --max-drop, as given (None: not given)
    config_fail_under: float | None = None
    config_floors: dict[str, float] = field(default_factory=dict)
    config_fail_on: tuple[str, ...] = ()
    config_max_drop: float | None = None
    asserts: tuple[str, ...] = ()  # --assert METRIC OP VALUE[UNIT][:warn], as given
    config_budgets: tuple[tuple[str, str], ...] = ()  # (rule, where): gate.budgets, each as a rule

    def with_config(self, gate: GateConfig) -> GateOptions:
        return replace(
            self,
            config_fail_under=gate.fail_under,
            config_floors=dict(gate.categories),
            config_fail_on=tuple(gate.fail_on),
            config_max_drop=gate.max_drop,
            config_budgets=tuple((b.rule, f"gate.budgets[{i}]") for i, b in enumerate(gate.budgets)),
        )

    def check(self, categories: list[str], metrics: Mapping[str, str] | None = None) -> None:
        """The options' own errors (exit 2), before anything is measured; ``metrics`` (id -> unit, the
        rubric's) checks the budgets too."""
        if self.max_drop is not None and self.baseline is None:
            raise PerfscoreError(NEEDS_BASELINE)
        parse_thresholds(list(self.fail_under), categories)
        parse_fail_on(list(self.fail_on), [])
        if metrics is not None:
            self.budgets(metrics)

    def budgets(self, metrics: Mapping[str, str]) -> list[Expr]:
        """The budgets: every --assert, then the config's on metrics no --assert names (an option wins)."""
        known = budgeting.known_metrics(metrics)
        given = budgeting.parse_budgets(((a, "--assert") for a in self.asserts), known)
        named = {e.metric for e in given}
        configured = budgeting.parse_budgets(self.config_budgets, known)
        return given + [e for e in configured if e.metric not in named]

    @property
    def allowed_drop(self) -> float | None:
        return self.max_drop if self.max_drop is not None else self.config_max_drop


NEEDS_BASELINE = "--max-drop needs --baseline (the run or result the score may not fall below)."


def _metric_noise(before: Result, after: Result, mid: str) -> float:
    """How far the metric's 0-1 score moved between repeated runs of an unchanged stack, in either result."""
    return max((r.noise.metrics.get(mid, 0.0) for r in (before, after) if r.noise is not None), default=0.0)


def score_noise(before: Result, after: Result) -> tuple[float, int]:
    """The larger measured spread of the overall score (points) and the runs it came from; (0, 0) unmeasured."""
    measured = [(r.noise.score_spread, r.noise.runs) for r in (before, after) if r.noise is not None]
    return max(measured, default=(0.0, 0))


def compare(before: Result, after: Result) -> Comparison:
    b_metrics = {m.id: (c, m) for c in before.categories for m in c.metrics}
    total_w = sum(c.weight for c in after.categories) or 1.0
    regressed, improved = [], []
    for c in after.categories:
        active = sum(m.weight for m in c.metrics if m.score is not None) or 1.0
        for m in c.metrics:
            if m.id not in b_metrics or m.weight == 0:
                continue  # a weight-0 metric is reported, not scored: never a regression
            _, bm = b_metrics[m.id]
            bs, as_ = bm.score, m.score
            if bs is None or as_ is None or "invalid" in (bm.status, m.status):
                continue  # an invalid figure fell because of its cause, which is compared on its own
            if as_ < bs - max(METRIC_EPSILON, _metric_noise(before, after, m.id)):
                points = (bs - as_) * m.weight / active * 100 * c.weight / total_w
                regressed.append(
                    Regression(
                        metric=m.id,
                        category=c.id,
                        before_score=bs,
                        after_score=as_,
                        before_value=bm.value,
                        after_value=m.value,
                        unit=m.unit,
                        points=round(points, 2),
                    )
                )
            elif as_ > bs + METRIC_EPSILON:
                improved.append(m.id)
    regressed.sort(key=lambda r: -r.points)
    b_cats = {c.id: c.score for c in before.categories}
    return Comparison(
        before=before.score,
        after=after.score,
        delta=round(after.score - before.score, 2),
        categories={c.id: (b_cats.get(c.id, 0.0), c.score) for c in after.categories},
        regressed=regressed,
        improved=improved,
    )


def rules(
    fail_under: float | None = None, floors: dict[str, float] | None = None, max_drop: float | None = None
) -> list[Expr]:
    """The score gate in the gate language: ``score>=N``, ``category.ID>=N`` and, against a baseline,
    ``score.drop<=N`` (the points the score fell; none allowed unless said)."""
    out = [] if fail_under is None else [gate_expr.rule("score", ">=", fail_under)]
    out += [gate_expr.rule(f"category.{cid}", ">=", floor) for cid, floor in (floors or {}).items()]
    if max_drop is not None:
        out.append(gate_expr.rule("score.drop", "<=", max_drop))
    return out


def evaluate(
    result: Result,
    fail_under: float | None = None,
    floors: dict[str, float] | None = None,
    baseline: Result | None = None,
    max_drop: float | None = None,
    fail_on_critical: bool = False,
    budgets: list[Expr] | None = None,
) -> list[GateCheck]:
    checks: list[GateCheck] = []
    if fail_on_critical:
        critical = [i for i in result.roadmap if i.critical]
        checks.append(
            GateCheck(
                name="critical",
                passed=not critical,
                message="; ".join(f"{i.title} ({i.metric})" for i in critical) if critical else "no critical finding",
            )
        )
    cmp = compare(baseline, result) if baseline is not None else None
    allowed = max_drop if max_drop is not None else 0.0
    noise, runs = score_noise(baseline, result) if baseline is not None else (0.0, 0)
    if max_drop is not None and noise > allowed:  # a drop within the measured noise is no regression
        allowed = noise

    def actual(metric: str) -> float | None:
        if metric == "score":
            return result.score
        if metric == "score.drop":
            assert cmp is not None
            return -cmp.delta - 1e-9  # a drop equal to the allowance passes, whatever the float rounding
        return result.category(metric.removeprefix("category.")).score

    outcomes = gate_expr.evaluate(rules(fail_under, floors, allowed if cmp is not None else None), actual)
    for o in outcomes:
        ok, sign, limit = o.passed, "≥" if o.passed else "<", o.expr.limit
        if o.expr.metric == "score":
            checks.append(GateCheck(name="overall", passed=ok, message=f"score {result.score:.2f} {sign} {limit:g}"))
        elif o.expr.metric == "score.drop" and cmp is not None:
            names = ", ".join(f"{r.metric} (−{r.points:.2f})" for r in cmp.regressed)
            why = f", the noise measured over {runs} runs" if noise and limit == noise else ""
            caps = (
                f"; capped at {result.capped_at:g} (the baseline was not)"
                if result.capped_at is not None and baseline is not None and baseline.capped_at is None
                else ""
            )
            msg = (
                f"score {cmp.before:.2f} → {cmp.after:.2f} ({cmp.delta:+.2f}; allowed drop {limit:g}{why})"
                + (f"; regressed: {names}" if cmp.regressed else "")
                + caps
            )
            checks.append(GateCheck(name="regression", passed=ok, message=msg))
        else:
            cid = o.expr.metric.removeprefix("category.")
            checks.append(
                GateCheck(name=f"category {cid}", passed=ok, message=f"{cid} {o.actual:.2f} {sign} {limit:g}")
            )
    for b in budgeting.evaluate(budgets or [], result):
        checks.append(GateCheck(name=f"budget {b.expr.text}", passed=b.passed, message=b.message, level=b.expr.level))
    return checks
