"""Scoring curves, one per module. Add a curve: write a module, add it to ``Curve``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from perfscore.curves.base import CurveBase, Direction
from perfscore.curves.boolean import BooleanCurve
from perfscore.curves.lognormal import LogNormalCurve
from perfscore.curves.piecewise import PiecewiseCurve

Curve = Annotated[LogNormalCurve | PiecewiseCurve | BooleanCurve, Field(discriminator="type")]

__all__ = ["BooleanCurve", "Curve", "CurveBase", "Direction", "LogNormalCurve", "PiecewiseCurve"]
