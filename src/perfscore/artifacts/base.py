"""What every snapshot is: a frozen model that names the artifact it fills."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Snapshot(BaseModel):
    # extra="ignore": a run saved by a newer perfscore stays readable.
    model_config = ConfigDict(frozen=True, extra="ignore")

    artifact: ClassVar[str]
