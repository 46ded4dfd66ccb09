"""The scored result that reporters consume: scorecard, roadmap and phases.

Field names are a contract with CI scripts (issue #3): keep them stable.
Category scores are 0–100, metric scores 0–1 (as Lighthouse audits).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.slo import SLO_KEYS, SloSnapshot
from perfscore.run import MetricStatus, Noise, TargetInfo, Value

# 2: typed summary on metrics (no longer inside evidence), category weights and titles for reporters,
# metrics the rubric does not score.
RESULT_SCHEMA_VERSION = 2

Priority = Literal["High", "Medium", "Low", "Done", "Not measured", "Invalid"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False)


class MetricResult(_Frozen):
    id: str
    title: str
    category: str
    weight: float
    value: Value
    unit: str
    score: float | None = Field(description="0–1; null when the metric does not apply and is excluded")
    status: MetricStatus
    reason: str | None = None
    target: bool | float
    meets_target: bool
    low_confidence: str | None = None
    summary: str | None = Field(None, description="one line on what was found")
    evidence: dict[str, Any] = Field(default_factory=dict)
    reference: str | None = Field(None, description="a primary source on what the metric measures and how to fix it")


class CategoryResult(_Frozen):
    id: str
    title: str
    weight: float = Field(description="percent of the overall score")
    score: float
    target: float = 100.0
    points_needed: float
    weighted_impact: float
    priority: Priority
    rank: int
    measured: bool = Field(description="false when none of its metrics could be measured")
    metrics: list[MetricResult]


class RoadmapItem(_Frozen):
    category: str
    metric: str
    gain: float = Field(description="overall points gained if the metric reached its target")
    gain_per_effort: float
    title: str
    action: str
    effort: str
    phase: int
    reference: str | None = None
    detail: str | None = Field(None, description="what the probe found, e.g. the offending statement")
    critical: bool = Field(
        False, description="a validity rule or cap rests on it: leads the roadmap, whatever its gain"
    )
    value: Value = None
    target: bool | float
    unit: str = ""
    status: MetricStatus = "measured"
    saving_ms: float | None = Field(
        None, description="estimated time saved per request (bytes at Lighthouse's 1.6 Mbps): the roadmap's order"
    )
    saving: str | None = Field(None, description="the saving and what it rests on; none: ranked by points alone")
    assumes: list[str] = Field(
        default_factory=list, description="the measured stack facts its advice rests on (or that ruled out the default)"
    )


class PhaseResult(_Frozen):
    phase: int
    name: str
    metrics: list[str]
    gain: float
    projected_score: float
    note: str | None = Field(None, description="what the projection cannot know (figures to re-measure after it)")


class NotMeasured(_Frozen):
    metric: str
    category: str
    reason: str
    points: float = Field(0.0, description="overall points at stake: what measuring it at its target would add")


class Targets(_Frozen):
    """The absolute targets the result was judged by (throughput, users, latency, errors): the config's SLO or
    LoanFlow's KPIs, the default. Separate from the rubric, which says how far from them scores what."""

    source: Literal["slo", "default"] = Field(description="slo: the config's own; default: LoanFlow's KPIs")
    summary: str = Field(description="one line, as the reports say it")
    peak_rps: float
    concurrent_users: int
    p95_ms: float
    p99_ms: float
    error_rate: float

    @classmethod
    def of(cls, slo: SloSnapshot) -> Targets:
        return cls(
            source="slo" if slo.custom else "default",
            summary=slo.describe(),
            **slo.model_dump(include=set[str](SLO_KEYS)),
        )


class Result(_Frozen):
    schema_version: int = RESULT_SCHEMA_VERSION
    score: float
    verdict: list[str] = Field(
        default_factory=list,
        description="why the score cannot be taken as is (caps, invalid figures): reports open with it",
    )
    capped_at: float | None = Field(None, description="the cap the rubric put on the score, when one applied")
    rubric: str
    rubric_version: str
    targets: Targets | None = Field(None, description="the absolute targets used; null in results saved before them")
    tool_version: str
    target: TargetInfo
    run_started_at: datetime
    run_duration_s: float
    categories: list[CategoryResult]
    roadmap: list[RoadmapItem]
    phases: list[PhaseResult]
    not_measured: list[NotMeasured]
    insufficient: list[NotMeasured] = Field(
        default_factory=list, description="measured on too few events to judge: left out of the score, no fix"
    )
    unscored: list[str] = Field(
        default_factory=list, description="metrics the run measured that this rubric does not score"
    )
    noise: Noise | None = Field(None, description="the spread of repeated runs (audit --runs N); null for one run")

    def category(self, cid: str) -> CategoryResult:
        return next(c for c in self.categories if c.id == cid)
