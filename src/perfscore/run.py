"""The Run: the saved result of one collection, re-scorable later with any rubric.

Versioned JSON (``schema_version``); unknown fields from newer tools are
ignored so old and new runs stay readable. ``perfscore schema run`` prints
its JSON Schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from perfscore import __version__
from perfscore.artifacts import Artifacts
from perfscore.errors import PerfscoreError
from perfscore.sanitize import one_line

# 2: artifacts (the gatherers' snapshots) and a typed summary; version-1 runs still load and score.
RUN_SCHEMA_VERSION = 2

# insufficient_data: measured, but on too few events to judge (7 connections in the window); left out
# of its category's mean, never a roadmap fix, gate failure or regression.
Status = Literal["measured", "unavailable", "not_applicable", "insufficient_data"]
# invalid (scoring only): measured, but a validity rule of the rubric says the figure means something
# else (the latency of failures); scores 0 and is never a fix of its own.
MetricStatus = Literal["measured", "unavailable", "not_applicable", "insufficient_data", "invalid"]
Value = bool | float | None


class Measurement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    metric: str = Field(min_length=1, description="metric id, <source>.<noun>")
    value: Value = None
    unit: str = ""
    status: Status = "measured"
    reason: str | None = Field(None, description="why it is unavailable or not applicable")
    probe: str | None = None
    low_confidence: str | None = Field(None, description="why the figure deserves less trust, if it does")
    summary: str | None = Field(None, description="one line on what was found, e.g. the offending statement")
    advice: str | None = Field(
        None, description="a fix that fits what was found, in place of the rubric's generic action (the bottleneck)"
    )
    evidence: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _summary_from_evidence(cls, data: Any) -> Any:
        # Version-1 runs kept the summary inside the evidence.
        if isinstance(data, dict) and data.get("summary") is None and isinstance(data.get("evidence"), dict):
            ev = data["evidence"]
            if "summary" in ev:
                rest = {k: v for k, v in ev.items() if k != "summary"}
                found = ev["summary"]
                return {**data, "evidence": rest, "summary": found if isinstance(found, str) and found else None}
        return data

    @model_validator(mode="after")
    def _value_matches_status(self) -> Measurement:
        if self.status == "measured" and self.value is None:
            raise ValueError(f"measurement {self.metric!r} is 'measured' but has no value")
        return self


def unavailable(metric: str, reason: str, probe: str | None = None, unit: str = "") -> Measurement:
    return Measurement(metric=metric, status="unavailable", reason=reason, probe=probe, unit=unit)


class TargetInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    name: Annotated[str, AfterValidator(one_line)] = "unnamed"  # a newline would start a fake line
    base_url: str | None = None
    hosts: dict[str, str] = Field(default_factory=dict, description="component -> host:port, no secrets")


# The probes of servers the config names by address (the database, the cache, Prometheus): one that could
# not be reached makes the audit partial (its figures score 0), which leads every report and is exit 3
# unless allowed (audit.allow_partial, --allow-partial). Other probes failing is a finding, not a partial audit.
SERVER_PROBES = frozenset({"mysql", "redis", "cluster"})


def unreached(run: Run) -> list[ProbeReport]:
    """The servers the config names that gave nothing at all (a wrong port, a refused password): not a probe
    that connected and found nothing measurable (no traffic in the window, say)."""
    return [
        p
        for p in run.probes
        if p.status == "unavailable"
        and p.name in SERVER_PROBES
        and (run.artifacts is None or getattr(run.artifacts, p.name, None) is None)
    ]


class Noise(BaseModel):
    """How much an unchanged stack's figures moved between repeated runs (``audit --runs N``): the change a
    later run must exceed before a gate calls it a regression (the minimum detectable change). Kept in the
    saved run, so a baseline carries its own noise."""

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    runs: int = Field(ge=2)
    score_spread: float = Field(ge=0, description="max - min of the runs' overall scores, in points")
    metrics: dict[str, float] = Field(
        default_factory=dict, description="metric id -> max - min of its 0-1 score over the runs (moved ones only)"
    )


class ProbeReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    name: str
    status: Literal["ok", "partial", "unavailable", "skipped"]
    duration_s: float = 0.0
    message: str | None = None


class Run(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    schema_version: StrictInt = Field(RUN_SCHEMA_VERSION, ge=1)
    tool: str = "perfscore"
    tool_version: str = __version__
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    duration_s: float = 0.0
    target: TargetInfo = Field(default_factory=TargetInfo)
    probes: list[ProbeReport] = Field(default_factory=list, description="one report per gatherer or phase")
    noise: Noise | None = Field(None, description="the spread of the runs this one was kept from (audit --runs N)")
    artifacts: Artifacts | None = Field(
        None, description="what each gatherer saw; measurements are re-derived from these when present"
    )
    measurements: list[Measurement] = Field(
        default_factory=list, description="as derived when the run was saved (the only source in version-1 runs)"
    )


def load_run(path: Path) -> Run:
    from perfscore.yamlfile import read_json

    data = read_json(path, "run file", "; is the file truncated?")
    if not isinstance(data, dict):
        raise PerfscoreError(f"run file {path}: expected a JSON object, found {type(data).__name__}.")
    if "measurements" not in data and "artifacts" not in data:
        hint = " (it looks like a scored result: pass the run saved with --save-run)" if "categories" in data else ""
        raise PerfscoreError(f"run file {path} is not a perfscore run: it has no measurements or artifacts{hint}.")
    version = data.get("schema_version", RUN_SCHEMA_VERSION)
    if isinstance(version, int) and version > RUN_SCHEMA_VERSION:
        raise PerfscoreError(
            f"run file {path} has schema_version {version}; this perfscore reads up to {RUN_SCHEMA_VERSION}."
        )
    from perfscore.sanitize import clean_tree

    try:
        return Run.model_validate(clean_tree(data))  # a run file from elsewhere may carry escape sequences
    except RecursionError:
        raise PerfscoreError(f"run file {path}: nested too deeply to read.") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise PerfscoreError(f"run file {path} is not a perfscore run: {problems}.") from None


def save_run(run: Run, path: Path) -> None:
    """Atomically to a regular file (an interrupted save never leaves half a run), in place to a device."""
    from perfscore.files import write_output

    write_output(path, run.model_dump_json(indent=2) + "\n")
