"""The rubric: categories with weights, metrics with curves, targets and remediation.

A rubric is data (``rubrics/*.yaml``); this module only says what shape it has
and checks that it is coherent before any probe runs.
"""

from __future__ import annotations

import math
import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from perfscore.artifacts.slo import SloKey
from perfscore.curves import Curve, Direction

METRIC_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _number(v: object) -> object:
    # YAML "yes" or "lots" must not pass as a weight through float coercion.
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError("weight must be a number")
    return v


Weight = Annotated[float, BeforeValidator(_number), Field(ge=0, allow_inf_nan=False)]
Effort = Literal["S", "M", "L"]
EFFORT_COST = {"S": 1.0, "M": 2.0, "L": 4.0}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Category(_Frozen):
    title: str
    weight: Weight


# The stack facts a remediation may be keyed on (perfscore.artifacts.stack), and the values each can take.
FACTS: dict[str, tuple[str | bool, ...]] = {
    "db_client": ("pdo_mysql", "mysqli", "both", "none"),
    "framework": ("wordpress", "laravel", "drupal", "symfony", "codeigniter", "plain-php"),
    "opcache_enabled": (True, False),
    "page_cache_present": (True, False),
    # this host's CPU ran out under the audit's load (scoring.advice.cpu_bound_of): add workers, or cut work
    "cpu_bound": (True, False),
}


def _facts(v: dict[str, list[str | bool]]) -> dict[str, list[str | bool]]:
    for name, values in v.items():
        if name not in FACTS:
            raise ValueError(f"unknown stack fact {name!r} (known: {', '.join(FACTS)})")
        wrong = [x for x in values if x not in FACTS[name] or isinstance(x, bool) != isinstance(FACTS[name][0], bool)]
        if wrong or not values:
            allowed = ", ".join(str(x).lower() if isinstance(x, bool) else x for x in FACTS[name])
            raise ValueError(f"stack fact {name} takes {allowed}, not {wrong or 'nothing'}")
    return v


FactSet = Annotated[dict[str, list[StrictBool | str]], AfterValidator(_facts)]


class Variant(_Frozen):
    """Advice in the app's own terms, shown when every fact of ``when`` was measured with one of its values."""

    when: FactSet = Field(min_length=1)
    action: str
    title: str | None = None


class Remediation(_Frozen):
    title: str
    action: str
    assumes: FactSet = Field(
        default_factory=dict,
        description="facts the action takes for granted (PDO for PDO::ATTR_PERSISTENT): a measured fact that "
        "contradicts one hides it, and ``generic`` is shown",
    )
    variants: list[Variant] = Field(default_factory=list, description="the first whose facts hold wins")
    generic: str | None = Field(None, description="the action when a measured fact contradicts ``assumes``")
    effort: Effort = "M"
    phase: int = Field(2, ge=1, le=9)
    reference: str | None = Field(None, description="an http(s) link to a primary source (the report's 'learn more')")
    critical: bool = Field(False, description="below target, it leads the roadmap whatever its gain (Fix first)")

    @model_validator(mode="after")
    def _generic_when_assuming(self) -> Remediation:
        if self.assumes and not self.generic:
            raise ValueError("a remediation that assumes facts needs a generic action for apps it does not fit")
        return self

    @field_validator("reference")
    @classmethod
    def _web_link(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("https://", "http://")):
            raise ValueError("reference must be an https:// (or http://) link")
        return v


class Metric(_Frozen):
    """How one metric is scored. Its title, unit and category come from its audit (``@audit``) when the
    rubric leaves them out; the rubric may override the title. ``audited: false`` declares a metric no audit
    produces (only saved or imported runs carry it): then the rubric gives all three."""

    title: str
    category: str
    weight: Weight = 1.0
    unit: str = ""
    audited: bool = Field(True, description="false: no audit produces it; scored from the runs that carry it")
    direction: Direction | None = None
    curve: Curve
    target: StrictBool | float
    allow_not_applicable: bool = False
    source: str | None = Field(None, description="where the threshold comes from")
    slo: SloKey | None = Field(
        None,
        description="the SLO figure this absolute target follows: target and curve are stated for LoanFlow's KPI "
        "and scale by the run's SLO figure / LoanFlow's",
    )
    remediation: Remediation

    @model_validator(mode="after")
    def _coherent(self) -> Metric:
        curve_dir = self.curve.direction()
        if self.direction is not None and self.direction != curve_dir:
            raise ValueError(f"direction {self.direction!r} contradicts its {self.curve.type} curve ({curve_dir})")
        if curve_dir == "boolean" and not isinstance(self.target, bool):
            raise ValueError("a boolean metric needs target: true or false")
        if curve_dir != "boolean" and (isinstance(self.target, bool) or not math.isfinite(self.target)):
            raise ValueError("target must be a finite number")
        if self.slo is not None and (curve_dir == "boolean" or float(self.target) <= 0):
            raise ValueError(f"slo: {self.slo} scales the target, so it needs a positive number as target")
        return self

    @property
    def effective_direction(self) -> Direction:
        return self.curve.direction()

    def meets_target(self, value: float | bool) -> bool:
        d = self.effective_direction
        if d == "boolean":
            return bool(value) == bool(self.target)
        v = float(value)
        if math.isnan(v):
            return False
        return v <= float(self.target) if d == "lower" else v >= float(self.target)


class Condition(_Frozen):
    """A test on one measured metric: ``above``, ``below`` (strict) or ``equals``; exactly one."""

    metric: str
    above: float | None = Field(None, allow_inf_nan=False)
    below: float | None = Field(None, allow_inf_nan=False)
    equals: StrictBool | Annotated[float, Field(allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if sum(x is not None for x in (self.above, self.below, self.equals)) != 1:
            raise ValueError("a condition needs exactly one of above, below or equals")
        return self

    def holds(self, value: float | bool | None) -> bool:
        if value is None:
            return False
        if self.equals is not None:
            return bool(value == self.equals)
        v = float(value)
        if math.isnan(v):
            return False
        return v > self.above if self.above is not None else v < float(self.below)  # type: ignore[arg-type]


class Validity(_Frozen):
    """When ``when`` holds, the listed metrics measured something else than they claim (latency of
    failures, memory of crashing workers): they are invalid, score 0 and are never a fix of their own."""

    when: Condition
    invalidates: list[str] = Field(min_length=1)
    reason: str = Field(
        min_length=1, description="why, shown with each invalid metric; {value} is the condition's value"
    )


class Cap(_Frozen):
    """When ``when`` holds, the overall score is at most ``max_score`` and every report opens with ``verdict``."""

    when: Condition
    max_score: Annotated[float, BeforeValidator(_number), Field(ge=0, le=100, allow_inf_nan=False)]
    verdict: str = Field(min_length=1, description="one line; {value} is the condition's value")


class Rubric(_Frozen):
    name: str
    version: str = "1"
    description: str = ""
    phases: dict[int, str] = Field(
        default_factory=lambda: {1: "Quick wins", 2: "Infrastructure", 3: "Advanced optimization"}
    )
    categories: dict[str, Category] = Field(min_length=1)
    metrics: dict[str, Metric] = Field(min_length=1)
    validity: list[Validity] = Field(default_factory=list)
    caps: list[Cap] = Field(default_factory=list)

    @field_validator("categories")
    @classmethod
    def _category_ids(cls, v: dict[str, Category]) -> dict[str, Category]:
        for key in v:
            if not CATEGORY_ID.match(key):
                raise ValueError(f"category id {key!r} must be lowercase letters, digits and _")
        total = sum(c.weight for c in v.values())
        if not math.isclose(total, 100.0, abs_tol=1e-6):
            raise ValueError(f"category weights must sum to 100, they sum to {total:g}")
        return v

    @field_validator("metrics")
    @classmethod
    def _metric_ids(cls, v: dict[str, Metric]) -> dict[str, Metric]:
        for key in v:
            if not METRIC_ID.match(key):
                raise ValueError(f"metric id {key!r} must be lowercase and dotted, like mysql.buffer_pool_hit_ratio")
        return v

    @model_validator(mode="after")
    def _cross_check(self) -> Rubric:
        for mid, m in self.metrics.items():
            if m.category not in self.categories:
                known = ", ".join(self.categories)
                raise ValueError(f"metric {mid} names unknown category {m.category!r} (known: {known})")
            if m.remediation.phase not in self.phases:
                raise ValueError(f"metric {mid} names phase {m.remediation.phase}, not among {sorted(self.phases)}")
        self._check_rules()
        for cid, cat in self.categories.items():
            members = [m for m in self.metrics.values() if m.category == cid]
            if cat.weight > 0 and not any(m.weight > 0 for m in members):
                raise ValueError(f"category {cid} has weight {cat.weight:g} but no metric with a positive weight")
        return self

    def _check_rules(self) -> None:
        whens = [(f"validity[{i}]", r.when) for i, r in enumerate(self.validity)]
        whens += [(f"caps[{i}]", c.when) for i, c in enumerate(self.caps)]
        for where, when in whens:
            metric = self.metrics.get(when.metric)
            if metric is None:
                raise ValueError(f"{where}.when tests {when.metric}, which this rubric does not score")
            boolean = metric.effective_direction == "boolean"
            if boolean != isinstance(when.equals, bool) or (boolean and when.equals is None):
                kind = (
                    "a yes/no metric: test it with equals: true or false"
                    if boolean
                    else "a number: test it with above, below or equals: N"
                )
                raise ValueError(f"{where}.when tests {when.metric}, {kind}")
        conditions = {w.metric for _, w in whens}
        for i, rule in enumerate(self.validity):
            unknown = [m for m in rule.invalidates if m not in self.metrics]
            if unknown:
                raise ValueError(f"validity[{i}] invalidates metrics this rubric does not score: {', '.join(unknown)}")
            own = conditions.intersection(rule.invalidates)
            if own:
                raise ValueError(
                    f"validity[{i}] invalidates {', '.join(sorted(own))}, which a rule or cap tests: "
                    "it would switch that rule off"
                )

    @cached_property
    def _by_category(self) -> dict[str, dict[str, Metric]]:
        groups: dict[str, dict[str, Metric]] = {cid: {} for cid in self.categories}
        for mid, m in self.metrics.items():
            groups.setdefault(m.category, {})[mid] = m
        return groups

    def metrics_of(self, category: str) -> dict[str, Metric]:
        return self._by_category.get(category, {})
