"""Target configuration (perfscore.yaml), validated before any probe runs.

Passwords never live in the YAML: each connection names an environment
variable (``password_env``) or a file (``password_file``) to read it from, or
takes it from an ad-hoc DSN flag. Resolved passwords are ``SecretStr`` so they
print as ``**********`` anywhere a model is shown.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import SplitResult, unquote, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from perfscore.artifacts.slo import (
    LOANFLOW_ERROR_RATE,
    LOANFLOW_P95_MS,
    LOANFLOW_P99_MS,
    LOANFLOW_PEAK_RPS,
    LOANFLOW_USERS,
    P99_PER_P95,
    SloSnapshot,
    default_ramp,
)
from perfscore.errors import PerfscoreError
from perfscore.loadmodel import MAX_ENDPOINTS, Endpoint, no_controls
from perfscore.patterns import compile_pattern
from perfscore.routes import Form, Grouping, endpoint_name
from perfscore.sanitize import clean, one_line
from perfscore.sqlguard import read_only_problem
from perfscore.urls import split_url
from perfscore.yamlfile import format_validation_error, load_yaml, read_text

_COOKIE_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
SECRET_HEADERS = ("authorization", "cookie", "proxy-authorization", "x-api-key", "x-auth-token")

DEFAULT_USER_AGENT = "Mozilla/5.0 (compatible; perfscore/0.1; +https://github.com/perfscore/perfscore)"


def _check_read_only(sql: str) -> str:
    problem = read_only_problem(sql)
    if problem:
        raise ValueError(f"this query {problem}; perfscore only sends SELECT, SHOW and EXPLAIN")
    return sql


ReadOnlySQL = Annotated[str, AfterValidator(_check_read_only)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Secretive(_Model):
    password_env: str | None = None
    password_file: Path | None = None
    password: SecretStr | None = Field(None, exclude=True, description="set from a DSN flag, never from YAML")

    @field_validator("password", mode="before")
    @classmethod
    def _not_from_yaml(cls, v: object) -> object:
        if v is not None and not isinstance(v, SecretStr):  # the DSN flags pass a SecretStr; YAML passes text
            raise ValueError("a password never goes in the config file: use password_env or password_file")
        return v


class MySQLConfig(Secretive):
    host: str = "127.0.0.1"
    port: int = Field(3306, ge=1, le=65535)
    user: str = "perfscore"
    database: str | None = None
    queries: dict[str, ReadOnlySQL] = Field(default_factory=dict, description="name -> read-only SELECT to time")
    replicas_expected: bool = Field(
        False,
        description="true: this primary should have read replicas (a single node is not told to add one unless "
        "this is true or replicas are listed)",
    )
    allow_cleartext_password: bool = Field(
        False, description="send the password in clear if the server asks (PAM/LDAP) over an unencrypted connection"
    )
    connect_timeout_s: float = Field(5.0, gt=0, le=60)
    replicas: list[ReplicaConfig] = Field(
        default_factory=list, max_length=32, description="replicas whose lag is read (same user and password)"
    )


class ReplicaConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(3306, ge=1, le=65535)


class RedisConfig(Secretive):
    url: str = "redis://127.0.0.1:6379/0"
    timeout_s: float = Field(5.0, gt=0, le=60)

    @field_validator("url")
    @classmethod
    def _no_password_in_url(cls, v: str) -> str:
        parts, _ = split_url(v, ("redis", "rediss"), 6379)
        if parts.password:
            raise ValueError("put the Redis password in password_env or password_file, not in the url")
        return v


class ProcessesConfig(_Model):
    app: list[str] = Field(default_factory=lambda: ["php-fpm: pool"], description="command-line patterns (regex)")
    database: list[str] = Field(default_factory=lambda: ["mariadbd", "mysqld"])
    cache: list[str] = Field(default_factory=lambda: ["redis-server"])
    pid_files: list[Path] = Field(default_factory=list, description="pids whose children are app workers")

    @field_validator("app", "database", "cache")
    @classmethod
    def _re2(cls, v: list[str]) -> list[str]:
        for p in v:
            compile_pattern(p)  # ValueError with the reason: the YAML line is named
        return v


class MonitoringConfig(_Model):
    health: str | None = "/health"
    metrics: str | None = "/metrics"
    fpm_status: str | None = "/fpm-status?json"
    nginx_status: str | None = "/nginx-status"
    opcache_status: str | None = Field(
        None, description="a path answering opcache_get_status(false) as JSON (the app's own script; none by default)"
    )


def _slo_number(v: object) -> object:
    # YAML "fifty" or "50" (quoted) must not pass as a target through coercion; true is not 1.
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"must be a number, like 50 (not {type(v).__name__} {str(v)[:20]!r})")
    return v


SloNumber = Annotated[float, BeforeValidator(_slo_number)]


class SloConfig(_Model):
    """The site's service-level objective: every absolute target of the score follows it (throughput,
    concurrency, latency, errors, database rate, the CPU projection, the ramp's top). Left out: LoanFlow's
    KPIs, the seed document's."""

    peak_rps: SloNumber = Field(
        LOANFLOW_PEAK_RPS, gt=0, le=1_000_000, description="requests/s the site must serve at its peak"
    )
    concurrent_users: Annotated[int, BeforeValidator(_slo_number)] = Field(
        LOANFLOW_USERS, ge=1, le=20000, description="users at once at the peak: the ramp's top"
    )
    p95_ms: SloNumber = Field(LOANFLOW_P95_MS, gt=0, le=600_000, description="95th-percentile latency target")
    p99_ms: SloNumber = Field(
        LOANFLOW_P99_MS, gt=0, le=600_000, description="99th-percentile latency target; left out: 2.5 × p95_ms"
    )
    error_rate: SloNumber = Field(
        LOANFLOW_ERROR_RATE, gt=0, le=1, description="share of requests that may fail (0.001 = 0.1 %)"
    )

    @model_validator(mode="after")
    def _percentiles(self) -> SloConfig:
        if "p99_ms" not in self.model_fields_set:
            object.__setattr__(self, "p99_ms", max(LOANFLOW_P99_MS, self.p95_ms * P99_PER_P95))
        elif self.p99_ms < self.p95_ms:
            raise ValueError(
                f"p99_ms ({self.p99_ms:g}) is below p95_ms ({self.p95_ms:g}): the 99th percentile is never faster"
            )
        return self

    def snapshot(self) -> SloSnapshot:
        """The targets as the run saves them; ``custom`` when the config set any of them."""
        return SloSnapshot(**self.model_dump(), custom=bool(self.model_fields_set))


class LoadConfig(_Model):
    connections: int = Field(8, ge=1, le=20000, description="users during the audit window (nominal load)")
    rate: float | None = Field(
        None, gt=0, le=1_000_000, description="requests/s during the window (open model); none: as fast as users go"
    )
    slo_p95_ms: float = Field(
        LOANFLOW_P95_MS, gt=0, description="the ramp's latency bar; left out: slo.p95_ms (set: overrides)"
    )
    slo_error_rate: float = Field(
        LOANFLOW_ERROR_RATE, ge=0, le=1, description="the ramp's error bar; left out: slo.error_rate (set: overrides)"
    )
    ramp: list[Annotated[int, Field(ge=1, le=20000)]] = Field(
        default_factory=lambda: default_ramp(LOANFLOW_USERS),
        min_length=1,
        max_length=32,
        description="concurrency steps; left out: ×4 from 1 up to slo.concurrent_users (1, 4, 16, … 5000)",
    )
    step_s: float = Field(2.0, gt=0, le=60)
    scalability: bool = True
    engine: Literal["builtin", "locust"] = Field("builtin", description="locust: a Locust master and workers")
    locust_workers: int = Field(2, ge=0, le=256, description="engine locust: local workers to start")
    locust_remote: int = Field(0, ge=0, le=10_000, description="engine locust: workers to wait for from other hosts")


def _command(v: str | None) -> str | None:
    import shlex

    if v is None:
        return v
    try:
        argv = shlex.split(v)
    except ValueError as exc:
        raise ValueError(f"the command does not parse as a shell word list ({exc})") from None
    if not argv:
        raise ValueError("the command is empty")
    return v


class ExternalLoadConfig(_Model):
    """Load another tool drives (JMeter, k6, Locust): its results file replaces the window's traffic."""

    results: Path = Field(description="the results file (JMeter .jtl, k6 JSON/NDJSON, Locust --csv prefix)")
    tool: Literal["jmeter", "k6", "locust"] | None = Field(None, description="none: told from the file")
    command: Annotated[str | None, AfterValidator(_command)] = Field(
        None,
        max_length=4096,
        description="run this (no shell) as the window: the probes sample the servers while it loads them",
    )
    timeout_s: float = Field(3600.0, gt=0, le=86400, description="the command is killed after this long")


class FaultConfig(_Model):
    """One fault to inject under steady traffic: a command (run without a shell, cut at ``duration_s``,
    the fault then held in place ``hold_s``) with an ``undo`` that always runs, or a built-in: ``pause``
    the processes a pattern matches (SIGSTOP, then SIGCONT after ``duration_s``, whatever happens) or
    ``kill`` them (a supervisor restarts them)."""

    name: Annotated[str, AfterValidator(one_line)] = Field(max_length=80, description="named in the report")
    command: Annotated[str | None, AfterValidator(_command)] = Field(
        None, max_length=4096, description="run without a shell as the fault, in its own process group"
    )
    undo: Annotated[str | None, AfterValidator(_command)] = Field(
        None,
        max_length=4096,
        description="run after the fault whatever happened (signals, timeouts, errors), to its end: a signal that "
        "arrives meanwhile waits for it (up to 120 s)",
    )
    pause: str | None = Field(None, max_length=300, description="built-in: SIGSTOP the processes this regex matches")
    kill: str | None = Field(None, max_length=300, description="built-in: SIGKILL the processes this regex matches")
    count: int = Field(1, ge=1, le=1000, description="kill: how many of the matching processes")
    duration_s: float = Field(
        10.0, gt=0, le=300, description="the fault's bound: a command is cut here; a pause lasts this long"
    )
    hold_s: float = Field(
        0.0,
        ge=0,
        le=300,
        description="command: how long the fault stays in place after its command returned, traffic going on, "
        "before the undo runs ('stop Redis' with hold_s: 10 is Redis down for 10 s); 0: the undo runs at once",
    )
    degrades: bool = Field(
        False, description="the app should keep serving through it (a cache or replica down): failures are a finding"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> FaultConfig:
        kinds = [k for k in ("command", "pause", "kill") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a fault needs exactly one of command, pause or kill")
        if self.hold_s and self.command is None:
            raise ValueError(
                "hold_s holds a command's fault before its undo: a pause lasts duration_s, a kill has no undo"
            )
        if self.hold_s and self.undo is None:
            raise ValueError("hold_s is the time before the undo runs: a fault held in place needs an undo command")
        for pattern in (self.pause, self.kill):
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"the pattern {pattern!r} is not a regular expression ({exc})") from None
        return self


class ResilienceConfig(_Model):
    """Recovery under named faults (runs only with ``perfscore audit --faults``)."""

    faults: list[FaultConfig] = Field(min_length=1, max_length=20, description="injected one after another")
    rate: float | None = Field(
        None,
        gt=0,
        le=1000,
        description="requests/s of steady traffic during each fault; unset: capacity_share of the capacity the "
        "audit measured (the ramp's best step, else the window's rate), at most 50/s",
    )
    capacity_share: float = Field(
        0.25, gt=0, le=1, description="the share of the measured capacity the steady traffic runs at, rate unset"
    )
    steady_s: int = Field(3, ge=1, le=60, description="consecutive steady seconds that count as recovered")
    recover_within_s: float = Field(60.0, gt=0, le=600, description="how long to wait for recovery after a fault")
    allow_remote: bool = Field(False, description="faults against a target not on this machine's loopback")


class AuditConfig(_Model):
    duration_s: float = Field(10.0, gt=0, le=3600, description="the window between counter samples")
    probe_timeout_s: float = Field(20.0, gt=0, le=600)
    load: LoadConfig = Field(default_factory=LoadConfig)
    external_load: ExternalLoadConfig | None = None
    resilience: ResilienceConfig | None = Field(None, description="faults to inject (audit --faults) and time")
    allow_partial: bool = Field(
        False,
        description="exit 0/1 even when a configured component could not be measured (a wrong port, a refused "
        "password): by default that is exit 3, since the score then counts its figures as 0",
    )


class BudgetConfig(_Model):
    """A budget on one metric of the run (as ``--assert METRIC<VALUE``): ``{metric: http.p95_latency,
    budget: "<100ms"}``; its id and unit are checked against the rubric's metrics when the gate is built."""

    metric: str = Field(description="a metric id, as in docs/metrics.md (http.p95_latency, http.error_rate …)")
    budget: str = Field(description="OP VALUE[UNIT]: <100ms, <=0.5s, <0.1%, >=0.9 (ms, s or %)")
    level: Literal["error", "warn"] = Field(
        "error", description="error: a broken budget fails the gate; warn: reported, never failing"
    )

    @model_validator(mode="after")
    def _rule(self) -> BudgetConfig:
        from perfscore import gate_expr

        if gate_expr.parse_with_level(self.rule) is None:
            raise ValueError(
                f"budget {self.rule!r}: expected a metric id and OP VALUE[UNIT] (budget: '<100ms', '<0.1%')"
            )
        return self

    @property
    def rule(self) -> str:
        """The budget as a rule of the gate language, with its level: ``http.p95_latency<100ms:error``."""
        return f"{self.metric.strip()}{self.budget.strip()}:{self.level}"


class GateConfig(_Model):
    fail_on: list[Literal["critical"]] = Field(
        default_factory=list, description="critical: fail on any critical finding (served secrets, a failing app …)"
    )
    fail_under: float | None = Field(None, ge=0, le=100)
    categories: dict[str, float] = Field(default_factory=dict, description="category id -> floor")
    max_drop: float | None = Field(None, ge=0)
    history: Path | None = None
    budgets: list[BudgetConfig] = Field(
        default_factory=list, max_length=200, description="limits on metrics of the run (as --assert)"
    )


class TargetConfig(_Model):
    name: Annotated[str, AfterValidator(one_line)] = "LoanFlow"
    base_url: str | None = None
    user_agent: Annotated[str, AfterValidator(lambda v: no_controls(v, "user_agent"))] = DEFAULT_USER_AGENT
    allow_remote: bool = False
    insecure_tls: bool = Field(False, description="https:// without certificate verification (as curl -k)")
    headers: dict[str, str] = Field(
        default_factory=dict,
        max_length=50,
        description="sent with every request to the app (mix, crawl, probes, assets); an endpoint's own win",
    )
    cookies: dict[str, str] = Field(
        default_factory=dict,
        max_length=50,
        description="name -> value, sent as one Cookie header with every request to the app (a logged-in "
        "session); values are secrets: never printed or saved",
    )

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, str]) -> dict[str, str]:
        Endpoint(headers=v)  # the same rules as an endpoint's headers (names are tokens, no CR/LF)
        return v

    @field_validator("cookies")
    @classmethod
    def _cookies(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if not _COOKIE_NAME.match(name):
                raise ValueError(f"cookie name {name[:40]!r} is not a valid cookie name")
            if any(ch in value for ch in ';,"\\') or any(ch.isspace() or not ch.isprintable() for ch in value):
                raise ValueError(f"cookie {name}: its value must not hold ; , quotes, spaces or control characters")
        return v

    def request_headers(self) -> dict[str, str]:
        """The headers every request to the app carries: ``headers``, and ``cookies`` as a Cookie header."""
        out = dict(self.headers)
        if self.cookies:
            jar = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            out["Cookie"] = f"{out['Cookie']}; {jar}" if out.get("Cookie") else jar
        return out

    def secrets(self) -> list[str]:
        """Cookie values and the credentials of an Authorization or Cookie header: redacted from all output."""
        found = [v for v in self.cookies.values() if v]
        for name, value in self.headers.items():
            if name.lower() in SECRET_HEADERS:
                found += [value, value.split(" ", 1)[-1]]
                found += [c.split("=", 1)[1] for c in value.split(";") if "=" in c]
        return [s.strip() for s in found if s.strip()]

    @field_validator("base_url")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parts, _ = split_url(v, ("http", "https"), 80)
        if any(ch.isspace() or not ch.isprintable() for ch in v):
            raise ValueError("the URL holds spaces or control characters: encode them (%20 …)")
        if parts.username is not None or parts.password is not None:
            raise ValueError(
                "the URL holds credentials (user:password@); perfscore does not send them: remove them "
                "(a page behind HTTP auth takes an Authorization header in endpoints[].headers)"
            )
        return v.rstrip("/")


# A metric name and/or label matchers, each value a quoted string (escapes allowed, no newline): one selector,
# never an expression (no operator, function or range can follow a closed string).
_SELECTOR = re.compile(
    r"(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?(?:\{\s*(?:[a-zA-Z_]\w*\s*(?:=|!=|=~|!~)\s*"
    r"""(?:"(?:[^"\\\n]|\\[^\n]){0,200}"|'(?:[^'\\\n]|\\[^\n]){0,200}')\s*,?\s*){1,10}\})?"""
)


class PrometheusConfig(Secretive):
    """A Prometheus the operators already run: the truth about hosts perfscore cannot see from here."""

    url: str
    username: str | None = Field(None, description="basic auth (its password: password_env / password_file)")
    bearer_token_env: str | None = None
    bearer_token_file: Path | None = None
    insecure_tls: bool = False
    timeout_s: float = Field(5.0, gt=0, le=60)
    uptime: str | None = Field(
        None,
        description="a series selector whose samples are 1 when the site answered and 0 when it did not: "
        'blackbox_exporter\'s probe_success{job="blackbox"} or a scrape\'s up{job="app"}; the share of '
        "its samples that were 1 over uptime_period is the uptime",
    )
    uptime_period: str = Field("7d", description="the period the uptime covers: a PromQL duration (30m, 24h, 7d)")

    @field_validator("uptime")
    @classmethod
    def _selector(cls, v: str | None) -> str | None:
        if v is not None and (not v or not _SELECTOR.fullmatch(v)):
            raise ValueError(
                'uptime must be one series selector, a metric name with optional {label="value"} matchers '
                '(probe_success{job="blackbox"}), not an expression'
            )
        return v

    @field_validator("uptime_period")
    @classmethod
    def _period(cls, v: str) -> str:
        if not re.fullmatch(r"[1-9]\d{0,4}[smhdw]", v):
            raise ValueError("uptime_period must be a PromQL duration: a number and s, m, h, d or w (24h, 7d)")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parts, _ = split_url(v, ("http", "https"), 9090)
        if parts.username is not None or parts.password is not None:
            raise ValueError("put Prometheus credentials in username/password_env or bearer_token_env, not in the url")
        return v.rstrip("/")


class HostConfig(_Model):
    role: Literal["app", "database", "cache", "balancer"]
    instance: str = Field(description="its node_exporter's instance label in Prometheus (host:port)")
    fpm_pool: str | None = Field(None, description="app node: its PHP-FPM pool (process-exporter groupname)")
    fpm_status: str | None = Field(None, description="app node: a path under base_url answering its FPM status (json)")
    process_instance: str | None = Field(
        None, description="app node: its process-exporter's instance label (needed when nodes share a pool name)"
    )
    exporter_instance: str | None = Field(
        None, description="database / cache host: its mysqld_exporter or redis_exporter instance label"
    )


class FieldConfig(_Model):
    """Field data (what real users got) from the web server's access logs, beside the audit's lab traffic."""

    access_logs: list[Path] = Field(min_length=1, max_length=50, description="nginx access logs, gzip-rotated ones too")
    log_format: str | None = Field(
        None, description="the server's log_format string (default: combined; 'timed' adds $request_time)"
    )
    since: str = Field("24h", description="only the requests of this period before the audit (24h, 7d)")
    scores: Literal["field", "lab"] = Field(
        "field", description="which half scores response time and errors: the users' (field) or the audit's (lab)"
    )

    @field_validator("log_format")
    @classmethod
    def _format(cls, v: str | None) -> str | None:
        if v is not None:
            from perfscore.logformat import FormatError, compile_format

            try:
                compile_format(v)
            except FormatError as exc:
                raise ValueError(str(exc)) from None
        return v

    @field_validator("since")
    @classmethod
    def _since(cls, v: str) -> str:
        from perfscore.durations import parse_duration
        from perfscore.errors import PerfscoreError

        try:
            parse_duration(v, "field.since")
        except PerfscoreError as exc:
            raise ValueError(exc.message) from None
        return v


class Config(_Model):
    target: TargetConfig = Field(default_factory=TargetConfig)
    endpoints: list[Endpoint] = Field(default_factory=list, max_length=MAX_ENDPOINTS)
    mysql: MySQLConfig | None = None
    redis: RedisConfig | None = None
    prometheus: PrometheusConfig | None = None
    hosts: dict[str, HostConfig] = Field(default_factory=dict, max_length=64, description="name -> role and labels")
    processes: ProcessesConfig | None = Field(default_factory=ProcessesConfig)
    monitoring: MonitoringConfig | None = Field(default_factory=MonitoringConfig)
    logs: list[Path] = Field(
        default_factory=list, description="the app's error logs on this machine (PHP, PHP-FPM, nginx), read-only"
    )
    slo: SloConfig = Field(
        default_factory=SloConfig, description="the site's targets; left out: LoanFlow's KPIs (1,000 req/s …)"
    )
    field: FieldConfig | None = Field(None, description="the users' own requests from the access logs (field data)")
    audit: AuditConfig = Field(default_factory=AuditConfig)
    gate: GateConfig = Field(default_factory=GateConfig)
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _load_follows_slo(self) -> Config:
        """The ramp's bars and top come from ``slo`` unless audit.load sets them (the older keys override)."""
        load = self.audit.load
        derived = {
            "slo_p95_ms": self.slo.p95_ms,
            "slo_error_rate": self.slo.error_rate,
            "ramp": default_ramp(self.slo.concurrent_users),
        }
        update = {k: v for k, v in derived.items() if k not in load.model_fields_set}
        if update and update != {k: getattr(load, k) for k in update}:
            audit = self.audit.model_copy(update={"load": load.model_copy(update=update)})
            object.__setattr__(self, "audit", audit)
        return self

    @model_validator(mode="after")
    def _default_endpoint(self) -> Config:
        if self.target.base_url and not self.endpoints:
            object.__setattr__(self, "endpoints", [Endpoint(name="home", path="/")])
        object.__setattr__(self, "endpoints", with_target_headers(self.endpoints, self.target))
        return self


def with_target_headers(endpoints: list[Endpoint], target: TargetConfig) -> list[Endpoint]:
    """Each endpoint with the target's headers and cookies (its own headers win): the mix carries them."""
    common = target.request_headers()
    if not common:
        return list(endpoints)
    out = []
    for e in endpoints:
        own = {k.lower() for k in e.headers}
        extra = {k: v for k, v in common.items() if k.lower() not in own}
        out.append(e.model_copy(update={"headers": {**extra, **e.headers}}) if extra else e)
    return out


def resolve_password(section: Secretive, base_dir: Path, what: str, *, optional: bool = False) -> str | None:
    """The password, or None when none is configured. An unset ``password_env`` is a config error (exit 2),
    unless ``optional``: Redis is then tried without AUTH, and says which variable to set if it wants one."""
    if section.password is not None:
        return section.password.get_secret_value()
    if section.password_env:
        value = os.environ.get(section.password_env)
        if value is None:
            if optional:
                return None
            raise PerfscoreError(f"{what}: environment variable {section.password_env} is not set.")
        return value
    if section.password_file:
        path = section.password_file if section.password_file.is_absolute() else base_dir / section.password_file
        return read_text(path, f"{what}: password file").strip()
    return None


def load_config(path: Path) -> Config:
    doc = load_yaml(path, "config")
    try:
        return Config.model_validate({**doc.data, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        raise PerfscoreError(format_validation_error(exc, doc, "config")) from None


def _flag_url(flag: str, url: str, schemes: tuple[str, ...], default_port: int, shape: str) -> tuple[SplitResult, int]:
    try:
        return split_url(url, schemes, default_port)
    except ValueError as exc:
        raise PerfscoreError(f"{flag}: {exc}; expected {shape}.") from None


def _host(parts: SplitResult) -> str:
    host = parts.hostname or ""
    return f"[{host}]" if ":" in host else host


def parse_mysql_dsn(dsn: str) -> MySQLConfig:
    parts, port = _flag_url("--mysql", dsn, ("mysql", "mariadb"), 3306, "mysql://user[:password]@host:port/database")
    return MySQLConfig(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or "root"),
        database=(parts.path.lstrip("/") or None),
        password=SecretStr(unquote(parts.password)) if parts.password else None,
    )


def parse_redis_url(url: str) -> RedisConfig:
    parts, port = _flag_url("--redis", url, ("redis", "rediss"), 6379, "redis://[:password@]host:port/db")
    clean = f"{parts.scheme}://{_host(parts)}:{port}{parts.path or '/0'}"
    return RedisConfig(url=clean, password=SecretStr(unquote(parts.password)) if parts.password else None)


def with_overrides(
    cfg: Config,
    url: str | None = None,
    mysql: str | None = None,
    redis: str | None = None,
    processes: list[str] | None = None,
    duration: float | None = None,
    ramp: bool | None = None,
) -> Config:
    update: dict[str, object] = {}
    if url:
        try:
            base_url = TargetConfig(base_url=url).base_url
        except ValidationError as exc:
            raise PerfscoreError(f"--url: {exc.errors()[0]['msg'].removeprefix('Value error, ')}.") from None
        target: dict[str, object] = {"base_url": base_url}
        if "name" not in cfg.target.model_fields_set:  # no config names the site: its host does, not LoanFlow
            target["name"] = _host_of(base_url or url)
        update["target"] = cfg.target.model_copy(update=target)
        if not cfg.endpoints:
            update["endpoints"] = with_target_headers([Endpoint(name="home", path="/")], cfg.target)
    if mysql:
        m = parse_mysql_dsn(mysql)
        if cfg.mysql is not None:
            m = cfg.mysql.model_copy(
                update={k: getattr(m, k) for k in ("host", "port", "user", "password")}
                | ({"database": m.database} if m.database else {})
            )
        update["mysql"] = m
    if redis:
        r = parse_redis_url(redis)
        update["redis"] = (
            cfg.redis.model_copy(update={"url": r.url, "password": r.password}) if cfg.redis is not None else r
        )
    if processes:
        for p in processes:
            try:
                compile_pattern(p)
            except ValueError as exc:
                raise PerfscoreError(f"--process {clean(p, oneline=True)[:80]!r}: {exc}.") from None
        base = cfg.processes or ProcessesConfig()
        update["processes"] = base.model_copy(update={"app": processes})
    audit: dict[str, object] = {}
    if duration is not None:
        audit["duration_s"] = duration
    if ramp is not None:
        audit["load"] = cfg.audit.load.model_copy(update={"scalability": ramp})
    if audit:
        update["audit"] = cfg.audit.model_copy(update=audit)
    return cfg.model_copy(update=update)


EXAMPLE = """\
# perfscore target configuration. Check it with: perfscore config check --config FILE
target:
  name: my-app                 # shown in reports and the history
  base_url: http://127.0.0.1:8088
  # Some sites block empty and curl-like agents.
  user_agent: "Mozilla/5.0 (compatible; perfscore/0.1)"
  allow_remote: false          # load tests go to loopback only unless this is true
  insecure_tls: false          # true: an https:// base_url whose certificate is not verified (curl -k)

# Endpoints for the audit window's traffic and the load tests (weights = mix).
endpoints:
  - {name: dashboard, path: /, weight: 1}
  - {name: loan, path: /api/loans/4242, weight: 4}
  - {name: borrower_loans, path: "/api/borrowers/7919/loans?page=1", weight: 3}
  - {name: search, path: "/api/search?q=Smith", weight: 2}
  - name: apply
    path: /api/applications
    method: POST
    weight: 1
    headers: {Content-Type: application/json}
    body: '{"borrower_id": 42, "amount": 5000, "term_months": 24, "purpose": "car"}'
    expect_status: [201]

mysql:
  host: 127.0.0.1
  port: 3306
  user: perfscore               # least privilege, no row of the app readable: README "Least-privilege grants"
  # database: app_db            # the app's schema: its tables sized, its statements EXPLAINed (none: every schema)
  password_env: PERFSCORE_MYSQL_PASSWORD    # or password_file: secrets/mysql.pw
  replicas_expected: false      # true if this primary should have read replicas
  # queries:                    # read-only SELECTs the app runs, to time (the user needs SELECT on their columns)
  #   hot_read: SELECT id, title FROM posts WHERE author_id = 42 ORDER BY id DESC LIMIT 20

redis:
  url: redis://127.0.0.1:6379/0
  password_env: PERFSCORE_REDIS_PASSWORD

processes:
  app: ["php-fpm: pool"]        # regexes matched against command lines
  database: [mariadbd, mysqld]
  cache: [redis-server]

monitoring:
  health: /health
  metrics: /metrics
  fpm_status: /fpm-status?json
  nginx_status: /nginx-status

gate:                           # CI gate (flags override): exit 1 when a check fails
  fail_on: [critical]           # any critical finding fails (served secrets, most requests failing, throttled)
  fail_under: 90
  categories: {database: 85}
@@MAX_DROP@@
  # budgets:                    # limits on any metric (ids: docs/metrics.md), as --assert 'http.p95_latency<200ms'
  #   - {metric: http.p95_latency, budget: "<200ms"}             # error (the default): fails the gate
  #   - {metric: http.error_rate, budget: "<0.1%", level: warn}   # warn: reported, never fails

# The site's targets (SLO): throughput, users, latency and errors; the score is judged by them.
# Left out, LoanFlow's KPIs apply (perfscore's defaults, a lender's, not yours): set your own,
# e.g. peak_rps = your access log's busiest minute's requests / 60.
# slo:
#   peak_rps: 1000              # requests/s at the peak
#   concurrent_users: 5000      # users at once: the ramp's top
#   p95_ms: 200
#   p99_ms: 500
#   error_rate: 0.001           # 0.1 %

audit:
  duration_s: 10                # window between counter samples, with nominal traffic
  probe_timeout_s: 20
  load:
    connections: 8              # users during the window
    # rate: 20                  # requests/s instead (open model): audit a production site gently
    # ramp: [1, 4, 16, 64, 256, 1024, 5000]   # left out: ×4 steps up to slo.concurrent_users
    # slo_p95_ms: 200           # the ramp's bars; left out: slo.p95_ms and slo.error_rate
    # slo_error_rate: 0.001
    step_s: 2
"""


_SLO_START = "# The site's targets (SLO)"


def slo_section(peak_rps: float | None, concurrent_users: int | None, source: str) -> str:
    """The ``slo:`` YAML init writes, saying where the figures came from. From the site's own traffic:
    its peak and users, the latency and error targets left LoanFlow's (commented out) for the user to set.
    Without (``peak_rps`` None): LoanFlow's KPIs commented out, with why no log gave the site's own."""
    note = "\n".join(f"# {line}" for line in _wrap(one_line(source), 100))
    head = "# The site's targets (SLO): throughput, users, latency and errors; the score is judged by them.\n"
    if peak_rps is None or concurrent_users is None:
        default = EXAMPLE[EXAMPLE.index(_SLO_START) :]
        default = default[: default.index("\n\n") + 1]
        return default.replace(
            "# e.g. peak_rps = your access log's busiest minute's requests / 60.\n",
            "# e.g. peak_rps = your access log's busiest minute's requests / 60. No access log gave one:\n"
            + note
            + "\n",
            1,
        )
    return (
        head + f"{note}\n"
        "slo:\n"
        f"  peak_rps: {peak_rps:.10g}\n"
        f"  concurrent_users: {concurrent_users}\n"
        "  # p95_ms: 200                # LoanFlow's latency and error KPIs until you set yours\n"
        "  # p99_ms: 500\n"
        "  # error_rate: 0.001\n"
    )


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _host_of(url: str) -> str:
    """The site's name in reports: its host and port, never the user or password a URL may carry."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port out of range: the netloc as given, less its userinfo
        return parts.netloc.rpartition("@")[2]
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def _database_line(databases: list[str]) -> str:
    import json

    if len(databases) == 1:
        return f"  database: {json.dumps(databases[0])}  # the app's schema: the one perfscore's user sees"
    seen = ", ".join(databases[:8]) or "none"
    return f"  # database: app_db            # the app's schema: perfscore's user sees {seen} (name one)"


_ENDPOINTS_START = "# Endpoints for the audit window's traffic"
_ENDPOINTS_END = "    expect_status: [201]"
MAX_INIT_ENDPOINTS = 20


def endpoints_section(base_url: str, grouping: Grouping, forms: list[Form], pages: int, requests: int) -> str:
    """The ``endpoints:`` YAML of what a crawl found: a GET per route (one sample path, weight = links to
    it), heaviest first, at most MAX_INIT_ENDPOINTS; the forms listed commented out, as writing data."""
    import json

    lines = []
    routes = grouping.routes[:MAX_INIT_ENDPOINTS]
    if routes:
        lines += [
            f"# Endpoints found by crawling {base_url} ({requests} requests, {pages} page{'' if pages == 1 else 's'}): "
            "one GET per route,",
            "# a sample path each; weight = how often the pages link to it (the mix). Edit freely.",
            "endpoints:",
        ]
        for r in routes:
            notes = [r.pattern] if r.pattern != r.sample else []
            notes += ["JSON"] if r.kind == "api" else []
            notes += [f"answered {max(r.statuses)}: a failing page, kept as a finding"] if r.failing else []
            note = f"  # {'; '.join(notes)}" if notes else ""
            lines.append(f"  - {{name: {r.name}, path: {json.dumps(r.sample)}, weight: {r.weight}}}{note}")
        if len(grouping.routes) > len(routes):
            lines.append(f"  # … {len(grouping.routes) - len(routes)} lighter routes left out")
    else:
        lines += [
            f"# Endpoints: crawling {base_url} found no page to load ({requests} requests). List the app's",
            "# GET pages here (without any, the audit loads / alone):",
            "# endpoints:",
            "#   - {name: home, path: /, weight: 1}",
        ]
    if forms:
        lines.append("# Forms found: never in the mix. Uncomment one only on a disposable copy of the app.")
        taken = [r.name for r in routes]
        for f in forms:
            name = endpoint_name(f"/{f.method.lower()}{f.action}", taken)
            taken.append(name)
            fields = ", ".join(f.fields)[:120]
            what = "writes data" if f.method != "GET" else "a GET form (search?)"
            lines.append(
                f"#   - {{name: {name}, path: {json.dumps(f.action)}, method: {f.method}, weight: 1}}"
                f"  # {what}; on {f.page}" + (f"; fields: {fields}" if fields else "")
            )
    return "\n".join(lines) + "\n"


def discovered_endpoints(grouping: Grouping) -> list[Endpoint]:
    """The GET mix of a crawl's routes: a sample path each, weighted by links, at most MAX_INIT_ENDPOINTS."""
    return [Endpoint(name=r.name, path=r.sample, weight=r.weight) for r in grouping.routes[:MAX_INIT_ENDPOINTS]]


MAX_DROP_DEFAULT = """\
  max_drop: 2                   # with --baseline: points the score may fall. Measure your noise first:
                                # `perfscore audit --runs 3 --save-run baseline-run.json` prints how far the score
                                # moved on the unchanged stack and keeps it in the baseline; the gate then allows
                                # a drop up to that noise, and names only the metrics that moved beyond their own
                                # (`perfscore init --baseline-run baseline-run.json` writes max_drop from it)
"""
EXAMPLE = EXAMPLE.replace("@@MAX_DROP@@\n", MAX_DROP_DEFAULT, 1)
NOISE_MARGIN = 1.5  # max_drop proposed from a baseline: its runs' score spread times this, rounded up to 0.5


def noise_max_drop(runs: int, spread: float) -> str:
    """The gate's max_drop line from a baseline's measured noise: its runs' score spread with a margin (three
    runs see less than the whole spread), rounded up to half a point, at least one point."""
    import math

    proposed = max(1.0, math.ceil(spread * NOISE_MARGIN * 2) / 2)
    key = f"  max_drop: {proposed:g}"
    return (
        f"{key:<32}# with --baseline: {runs} audits of the unchanged stack moved its score {spread:.2f}\n"
        f"{'':<32}# points; {NOISE_MARGIN:g} x that, rounded up to half a point (init --baseline-run)\n"
    )


def example_config(
    base_url: str | None = None,
    mysql_port: int | None = None,
    redis_port: int | None = None,
    app: list[str] | None = None,
    database: list[str] | None = None,
    cache: list[str] | None = None,
    insecure_tls: bool = False,
    *,
    redis_auth: bool | None = None,
    replicas: bool | None = None,
    replicas_note: str = "",
    fpm_status: str | None | bool = True,
    opcache_status: str | None = None,
    logs: list[str] | None = None,
    databases: list[str] | None = None,
    endpoints: str | None = None,
    slo: str | None = None,
    max_drop: str | None = None,
) -> str:
    """EXAMPLE with what `init` found on this machine in place of its defaults (JSON lists are YAML).

    ``max_drop``: the gate's ``max_drop`` line proposed from a baseline's measured noise (``noise_max_drop``).

    ``endpoints``: the endpoints section a crawl wrote (``endpoints_section``) in place of the template's.

    ``slo``: the ``slo:`` section from the site's access log (``slo_section``) in place of the template's
    commented-out LoanFlow KPIs.

    ``databases``: the schemas perfscore's user sees on the server (None: it could not log in); one is the
    app's, several are listed for the user to choose.

    ``logs``: the log files the running servers named (nginx, the pool's PHP-FPM, MariaDB), written as the
    ``logs:`` section before ``processes:``.

    ``redis_auth`` False: Redis answered PING without a password, so none is asked for. ``replicas``: the
    primary's replicas as found (or told). ``fpm_status``: the status path found; None: none answered
    (commented out); True: not looked for (the default kept)."""
    import json

    text = EXAMPLE
    if endpoints is not None:
        start = text.index(_ENDPOINTS_START)
        end = text.index("\n\n", text.index(_ENDPOINTS_END, start)) + 2
        text = text[:start] + endpoints.rstrip("\n") + "\n\n" + text[end:]
    if slo is not None:
        start = text.index(_SLO_START)
        end = text.index("\n\n", start) + 2
        text = text[:start] + slo.rstrip("\n") + "\n\n" + text[end:]
    if redis_auth is False:
        text = text.replace(
            "  password_env: PERFSCORE_REDIS_PASSWORD\n",
            "  # no password: Redis answered PING without one (add password_env if you set requirepass)\n",
            1,
        )
    if replicas is not None:
        note = one_line(replicas_note)[:120] if replicas_note else "found"
        text = text.replace(
            "  replicas_expected: false      # true if this primary should have read replicas\n",
            f"  replicas_expected: {str(replicas).lower()}  # {note}\n",
            1,
        )
    if fpm_status is None:
        text = text.replace(
            "  fpm_status: /fpm-status?json\n",
            "  # fpm_status: /fpm-status?json   # not found at its common paths: set pm.status_path, then this\n",
            1,
        )
    elif isinstance(fpm_status, str):
        text = text.replace("  fpm_status: /fpm-status?json\n", f"  fpm_status: {json.dumps(fpm_status)}  # found\n", 1)
    if opcache_status or fpm_status is not True:
        line = (
            f"  opcache_status: {json.dumps(opcache_status)}  # found"
            if opcache_status
            else "  # opcache_status: /opcache-status   # none found: a script answering opcache_get_status(false)"
        )
        text = text.replace(
            "  nginx_status: /nginx-status\n",
            f"  nginx_status: /nginx-status\n{line}\n",
            1,
        )
    if databases is not None:
        default = next(line for line in text.splitlines() if line.startswith("  # database: app_db"))
        text = text.replace(default, _database_line(databases), 1)
    name = _host_of(base_url) if base_url else ""
    swaps = [
        ("  name: my-app ", f"  name: {json.dumps(name)} " if name else None),
        ("  base_url: http://127.0.0.1:8088\n", f"  base_url: {json.dumps(base_url)}\n" if base_url else None),
        ("  port: 3306\n", f"  port: {mysql_port}\n" if mysql_port else None),
        ("  url: redis://127.0.0.1:6379/0\n", f"  url: redis://127.0.0.1:{redis_port}/0\n" if redis_port else None),
        ('  app: ["php-fpm: pool"]', f"  app: {json.dumps(app)}  # found: this app's pool" if app else None),
        ("  database: [mariadbd, mysqld]", f"  database: {json.dumps(database)}  # found" if database else None),
        ("  cache: [redis-server]", f"  cache: {json.dumps(cache)}  # found" if cache else None),
        ("  insecure_tls: false ", "  insecure_tls: true  " if insecure_tls else None),
    ]
    for old, new in swaps:
        if new is not None:
            text = text.replace(old, new, 1)
    if logs:
        section = "# The app's logs, as its servers name them: their top messages become the evidence.\nlogs:\n"
        section += "".join(f"  - {json.dumps(p)}\n" for p in logs) + "\n"
        text = text.replace("\nprocesses:\n", "\n" + section + "processes:\n", 1)
    if max_drop is not None:
        text = text.replace(MAX_DROP_DEFAULT, max_drop, 1)
    return text
