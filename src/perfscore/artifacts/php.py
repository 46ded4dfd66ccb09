"""What the PHP runtime gatherer saw: OPcache's status, the PHP-FPM pools' sizing, the FPM SAPI's ini."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot
from perfscore.artifacts.http import HttpAnswer


class FpmPool(BaseModel):
    """One pool of ``php-fpm -tt`` (the effective configuration): process-manager keys and PHP overrides."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    pm: dict[str, str] = Field(default_factory=dict, description="pm, pm.max_children, pm.max_requests, …")
    php: dict[str, str] = Field(
        default_factory=dict, description="php_value/php_admin_value of opcache.* and memory_limit, by ini name"
    )


class PhpSnapshot(Snapshot):
    artifact: ClassVar[str] = "php"

    opcache_status: HttpAnswer | None = Field(
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
