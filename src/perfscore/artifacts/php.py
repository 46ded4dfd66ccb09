"""What the PHP runtime gatherer saw: OPcache's status, the PHP-FPM pools' sizing, the FPM SAPI's ini."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot


class FpmPool(BaseModel):
    """One pool of ``php-fpm -tt`` (the effective configuration): process-manager keys and PHP overrides."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    pm: dict[str, str] = Field(default_factory=dict, description="pm, pm.max_children, pm.max_requests, …")
    php: dict[str, str] = Field(
        default_factory=dict, description="php_value/php_admin_value of opcache.* and memory_limit, by ini name"
    )


class OpcacheStatus(BaseModel):
    """The figures of ``opcache_get_status(false)`` perfscore uses, type-checked; nothing else of the answer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str = Field(description="the status URL's path, without its query (it may carry a token)")
    status: int = Field(0, description="HTTP status; 0: no answer")
    error: str | None = Field(None, description="why the answer gave no figures")
    enabled: bool | None = None
    cache_full: bool | None = None
    used_memory: float | None = Field(None, ge=0, allow_inf_nan=False)
    free_memory: float | None = Field(None, ge=0, allow_inf_nan=False)
    wasted_pct: float | None = Field(None, ge=0, allow_inf_nan=False)
    cached_scripts: int | None = Field(None, ge=0)
    cached_keys: int | None = Field(None, ge=0)
    max_cached_keys: int | None = Field(None, ge=0)
    hit_rate: float | None = Field(None, ge=0, allow_inf_nan=False)
    oom_restarts: int | None = Field(None, ge=0)
    hash_restarts: int | None = Field(None, ge=0)


class PhpSnapshot(Snapshot):
    artifact: ClassVar[str] = "php"

    opcache: OpcacheStatus | None = Field(
        None, description="the operator's opcache_get_status() URL (monitoring.opcache_status), when configured"
    )
    fpm_binary: str | None = Field(None, description="the running PHP-FPM master's executable, on this machine")
    fpm_config: str | None = Field(None, description="its configuration file, from the master's process title")
    pools: list[FpmPool] | None = Field(None, description="None: no local PHP-FPM configuration was read")
    worker_pools: list[str] = Field(default_factory=list, description="pools of the app's workers (their titles)")
    ini: dict[str, str] = Field(
        default_factory=dict, description="opcache.* and memory_limit of `php-fpm -i` (the FPM SAPI's php.ini)"
    )
    errors: list[str] = Field(default_factory=list, description="what could not be read, and why")
