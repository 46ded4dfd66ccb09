"""Stack facts: what the app is built with, as the host shows it (its PHP extensions, its pages' fingerprints).

Each fact keeps its source, so advice keyed on it (a remediation for PDO, another for mysqli; a WordPress
object-cache plugin) can say why it believes it. A fact that cannot be told is None, never a guess.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot

DbClient = Literal["pdo_mysql", "mysqli", "both", "none"]
Framework = Literal["wordpress", "laravel", "drupal", "symfony", "codeigniter", "plain-php"]


class Fact(BaseModel):
    """One fact and where it was read: ``php-fpm -m``, a cookie name, a meta tag …"""

    model_config = ConfigDict(frozen=True, extra="ignore")

    value: str | bool
    source: str = Field(max_length=300, description="where it was read (no secret, no cookie value)")


class StackSnapshot(Snapshot):
    artifact: ClassVar[str] = "stack"

    db_client: Fact | None = Field(None, description="pdo_mysql, mysqli, both or none: the pool's PHP extensions")
    framework: Fact | None = Field(None, description="wordpress, laravel, drupal, symfony, codeigniter, plain-php")
    framework_evidence: list[str] = Field(default_factory=list, max_length=20, description="every fingerprint seen")
    opcache_enabled: Fact | None = Field(None, description="Zend OPcache loaded by the pool's PHP (when known)")
    page_cache_present: Fact | None = Field(
        None,
        description="a full-page cache in front of PHP: a hit on the home page's repeat, or a cache plugin's mark",
    )
    notes: list[str] = Field(default_factory=list, max_length=20, description="why a fact could not be told")
