"""The database over the field data's period (the users' hours in the access logs, not the audit's window):
the slow log's statements within it, folded by fingerprint as pt-query-digest folds them and EXPLAINed;
performance_schema's digest summaries last seen within it; the Prometheus source's counters over it."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.cluster import Series
from perfscore.artifacts.mysql import PlanRow


class PeriodStatement(BaseModel):
    """One statement class of the slow log over the period (any values)."""

    model_config = ConfigDict(frozen=True)

    sql: str = Field(description="a statement of the class as it ran, its values masked (users' data is no evidence)")
    executions: int
    total_s: float
    max_s: float
    rows_examined: int = Field(description="summed over the executions")
    plan: list[PlanRow] | None = Field(None, description="None when EXPLAIN failed or the statement is not a SELECT")


class PeriodDigest(BaseModel):
    """A performance_schema digest summary whose LAST_SEEN falls in the period. Its counts are the server's
    since FIRST_SEEN (the table keeps no history), so they may cover more than the period."""

    model_config = ConfigDict(frozen=True)

    text: str
    count_star: int
    sum_no_index_used: int
    sum_rows_examined: int
    sum_timer_wait_ps: int
    first_seen: str
    last_seen: str


class FieldDatabaseSnapshot(Snapshot):
    artifact: ClassVar[str] = "field_db"

    began: float = Field(description="the period's start (epoch seconds): the audit's start less field.since")
    ended: float = Field(description="the period's end: the audit's start")
    source: Literal["table", "file"] | None = Field(None, description="where the slow log was read")
    slow_log_file: str | None = None
    long_query_time_s: float | None = None
    statements: list[PeriodStatement] | None = Field(None, description="None: no slow log could be read")
    statements_note: str | None = Field(None, description="why there are no statements")
    slow_log_off: bool = Field(False, description="the server keeps no slow log (off, or log_output NONE)")
    cut: str | None = Field(
        None, description="why the slow log was not read to the period's end (its statements are a part)"
    )
    own_excluded: int = Field(0, description="slow statements of perfscore's own MySQL user, left out")
    classes: int = Field(0, description="statement classes in the period (the first STATEMENTS are kept)")
    executions: int = Field(0, description="slow statements in the period, every class")
    digests: list[PeriodDigest] | None = Field(None, description="None: performance_schema is off or refused")
    prometheus: list[Series] | None = Field(None, description="the database exporters' counters over the period")
