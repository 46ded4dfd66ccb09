"""What the MySQL/MariaDB gatherer saw: counters around the window, variables, plans, timings, indexes."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PlanRow(_Row):
    """One row of EXPLAIN."""

    table: str | None = None
    type: str | None = None
    rows: int = 0
    extra: str | None = None


class DigestRow(_Row):
    """performance_schema.events_statements_summary_by_digest, for the audited schema."""

    digest: str
    text: str = ""
    count_star: int = 0
    sum_no_index_used: int = 0
    sum_rows_examined: int = 0
    sum_timer_wait_ps: int | None = Field(None, description="SUM_TIMER_WAIT: the statements' total time (picoseconds)")


class SlowStatement(_Row):
    """A statement of the slow log (log_output=TABLE) logged during the window, and its plan."""

    sql: str
    executions: int = 1
    total_s: float | None = Field(None, description="the statement's total query time in the window (any values)")
    plan: list[PlanRow] | None = Field(None, description="None when EXPLAIN failed or the statement is not a SELECT")


class ConfiguredQuery(_Row):
    name: str
    sql: str
    plan: list[PlanRow] = Field(default_factory=list)
    timings_ms: list[float] = Field(default_factory=list)
    error: str | None = Field(None, description="why EXPLAIN or a timed run failed")


class OwnStatement(_Row):
    """A statement perfscore itself sent between the two status samples (as written, before its
    parameters), and how often: the audits take it out of the counters and the digests."""

    sql: str
    runs: int = Field(1, ge=0)


class IndexColumn(_Row):
    """information_schema.STATISTICS, one column of one index."""

    table: str
    index: str
    non_unique: bool = True
    column: str


class TableSize(_Row):
    """information_schema.TABLES, one base table: InnoDB's row count is the optimizer's estimate."""

    schema_name: str
    table: str
    engine: str | None = None
    rows: int = 0
    data_bytes: int = 0
    index_bytes: int = 0


class MySQLSnapshot(Snapshot):
    artifact: ClassVar[str] = "mysql"

    database: str | None = None
    replicas_expected: bool = True
    window_s: float = Field(0.0, description="seconds between the two status samples")
    window_began: float | None = Field(None, description="unix time of the first status sample")
    window_ended: float | None = Field(None, description="unix time of the second status sample")
    own_statements: list[OwnStatement] = Field(
        default_factory=list, description="perfscore's own statements inside the window (taken out of the figures)"
    )
    status_before: dict[str, str] = Field(default_factory=dict, description="SHOW GLOBAL STATUS at the window start")
    status_after: dict[str, str] = Field(default_factory=dict, description="SHOW GLOBAL STATUS at the window end")
    variables: dict[str, str] = Field(default_factory=dict, description="SHOW GLOBAL VARIABLES")
    digests_before: list[DigestRow] | None = Field(None, description="None: performance_schema is off")
    digests_after: list[DigestRow] | None = None
    slow_log: list[SlowStatement] | None = Field(None, description="None: the slow log is not kept in a table")
    queries: list[ConfiguredQuery] = Field(default_factory=list)
    indexes: list[IndexColumn] | None = Field(None, description="None: no database configured")
    innodb_data_bytes: int | None = Field(None, description="data + index bytes of all InnoDB tables")
    tables: list[TableSize] | None = Field(
        None, description="the app's largest tables (the configured database, else every user schema); None: unread"
    )
    table_count: int | None = Field(None, description="base tables in the app's schema(s)")
    replica_hosts: int | None = Field(None, description="rows of SHOW REPLICA HOSTS (or its older names)")
    replica_hosts_error: str | None = None
    replica_of: dict[str, str | int | None] | None = Field(None, description="when this server is itself a replica")
