"""What the exposure gatherer found: which never-public paths answered with the real file.

No file content is kept: a served ``.env`` holds the very secrets a saved run must never carry. The
gatherer keeps, for each path, the answer's status, type, size, whether it is the site's fallback page,
and which recognisers matched (``perfscore.gatherers.exposure.RECOGNISERS``). Paths come from a fixed
list, from links and a crawl of the site, and, on the app's own host, from a listing of its web roots
(``perfscore.gatherers.webroot``): then the file's kind by name and its size on disk are kept too.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from perfscore.artifacts.base import Snapshot

# Kinds of files that must not be public, by name; most severe first.
INSTALLER = "installer or setup script"
ENV = "environment file"
DUMP = "SQL dump"
DATABASE = "database file"
GIT = "git repository"
PASSWORDS = "password file"
KEY = "private key"
CONFIG = "config file"
BACKUP = "backup copy"
ARCHIVE = "archive"
SCRIPT = "shell script"
PHPINFO = "phpinfo page"
LOG = "log file"
KINDS = (INSTALLER, ENV, DUMP, DATABASE, GIT, PASSWORDS, KEY, CONFIG, BACKUP, ARCHIVE, SCRIPT, PHPINFO, LOG)
SETUP_FORM = "setup form"  # a content kind: the page asks for database or admin settings
SETUP_RAN = "setup ran"  # a content kind: the page says the GET itself installed or wrote the config
SETUP_KINDS = (SETUP_FORM, SETUP_RAN)  # count only for an installer: another page may show such a form


class PathCheck(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str
    source: str = Field(
        "list", description="list: the fixed list; page: linked from the page; crawl: a crawl; webroot: on disk"
    )
    kind: str | None = Field(None, description="what the file is by its name (KINDS), when the name says")
    size_on_disk: int | None = Field(None, description="webroot only: the file's size when listed")
    status: int = Field(0, description="0: no answer")
    content_type: str = ""
    bytes: int = Field(0, ge=0, description="the whole body's size (from Content-Range when only a part was read)")
    fallback: bool = Field(False, description="the body is the site's answer to a path that cannot exist")
    kinds: list[str] = Field(default_factory=list, description="what the content was recognised as")
    error: str | None = None

    @property
    def matches_disk(self) -> bool:
        """The answer is the file itself: as long as the file on disk (a log may have grown since)."""
        if not self.size_on_disk or self.bytes <= 0:
            return False
        return self.bytes == self.size_on_disk or (self.kind == LOG and self.bytes >= self.size_on_disk)


class RootListing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    root: str
    url_prefix: str = "/"
    entries: int = Field(0, description="directory entries looked at")
    selected: int = Field(0, description="files of a kind that must not be public")
    symlinks_skipped: int = 0
    seconds: float = 0.0
    cut: str | None = Field(None, description="the bound that stopped the listing early")
    error: str | None = None


class ExposureSnapshot(Snapshot):
    artifact: ClassVar[str] = "exposure"

    fallback_status: int = Field(0, description="the status of a random path that cannot exist")
    checks: list[PathCheck] = Field(default_factory=list)
    roots: list[RootListing] = Field(default_factory=list, description="the web roots listed on this host")
    cut: str | None = Field(None, description="why some selected paths were not requested (a bound)")
