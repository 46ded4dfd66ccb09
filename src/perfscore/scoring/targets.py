"""The absolute targets a run is judged by: the rubric's SLO-linked metrics re-targeted to the run's SLO. Pure.

A metric that declares ``slo: KEY`` states its target and curve for LoanFlow's KPI (1,000 req/s, 5,000
users …). Judged against a site's own SLO, both scale by the SLO's figure / LoanFlow's: the target moves
and the curve keeps its shape (a lognormal's p10 and median, a piecewise curve's values, all scaled alike),
so a blog that must serve 50 req/s and serves 40 scores what a lender serving 800 of 1,000 would.
"""

from __future__ import annotations

import math

from perfscore.artifacts.slo import LOANFLOW, SloSnapshot
from perfscore.curves import Curve, LogNormalCurve, PiecewiseCurve
from perfscore.rubric.model import Metric, Rubric
from perfscore.run import Run


def run_slo(run: Run) -> SloSnapshot:
    """The SLO saved in the run; a run saved without one (older, or imported) is judged by LoanFlow's KPIs."""
    return run.artifacts.slo if run.artifacts is not None and run.artifacts.slo is not None else LOANFLOW


def _scaled_curve(curve: Curve, ratio: float) -> Curve:
    if isinstance(curve, LogNormalCurve):
        return curve.model_copy(update={"p10": curve.p10 * ratio, "median": curve.median * ratio})
    if isinstance(curve, PiecewiseCurve):
        return curve.model_copy(update={"points": [(x * ratio, y) for x, y in curve.points]})
    return curve  # a yes/no curve has nothing to scale (the rubric refuses slo: on it)


def retarget_metric(metric: Metric, slo: SloSnapshot) -> Metric:
    """The metric with its target and curve scaled to ``slo``; as is when it follows no SLO figure."""
    if metric.slo is None or isinstance(metric.target, bool):
        return metric
    ratio = slo.value(metric.slo) / LOANFLOW.value(metric.slo)
    if math.isclose(ratio, 1.0):
        return metric
    return metric.model_copy(update={"target": metric.target * ratio, "curve": _scaled_curve(metric.curve, ratio)})


def retarget(rubric: Rubric, slo: SloSnapshot) -> Rubric:
    """The rubric with every SLO-linked metric re-targeted; the same object when nothing moves."""
    metrics = {mid: retarget_metric(m, slo) for mid, m in rubric.metrics.items()}
    if all(metrics[mid] is m for mid, m in rubric.metrics.items()):
        return rubric
    fields = {name: getattr(rubric, name) for name in Rubric.model_fields}  # a fresh model: no stale cache
    return Rubric.model_validate({**fields, "metrics": metrics})
