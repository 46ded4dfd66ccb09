"""HTML: one self-contained file a manager reads like the seed document.

Inline CSS and SVG only; a Content-Security-Policy forbids any network load
or script. Every string from the target goes through jinja2's autoescaping;
the only unescaped blocks are the SVG charts and evidence tables built in
``html_charts`` and ``html_evidence``, which escape what they show.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from perfscore.reporters.context import ReportContext
from perfscore.reporters.faults import HEADINGS, fault_caption, fault_rows, fault_title
from perfscore.reporters.html_charts import gauge, latency_chart, ramp_chart, trend
from perfscore.reporters.html_evidence import evidence_html
from perfscore.reporters.values import band_class, band_name, human, nothing_to_fix, printable, priority_class
from perfscore.result import MetricResult, Result

if TYPE_CHECKING:
    from jinja2 import Environment


def headline(result: Result) -> str:
    """One sentence: where the stack stands, the biggest gap, and what the first phase buys."""
    where = f"{result.target.name} scores {result.score:.2f}/100 ({band_name(result.score).lower()})."
    if not result.roadmap:
        return where + " " + nothing_to_fix(result)
    critical = [i for i in result.roadmap if i.critical]
    gaps = [c for c in result.categories if c.weighted_impact > 0.005]
    biggest = max(gaps, key=lambda c: c.weighted_impact) if gaps else None
    if critical:  # what the verdict rests on comes first, whatever the points say
        gap = f" Fix first: {critical[0].title.lower()} (+{critical[0].gain:.1f} points)."
    elif biggest and not biggest.measured:
        gap = (
            f" The biggest gap is {biggest.title.lower()}, which could not be measured: "
            f"{biggest.weighted_impact:.1f} of the {100 - result.score:.1f} points to 100 are at stake there."
        )
    elif biggest:
        gap = (
            f" The biggest gap is {biggest.title.lower()}: {biggest.weighted_impact:.1f} of the "
            f"{100 - result.score:.1f} points to 100."
        )
    else:
        gap = ""
    first = result.phases[0] if result.phases else None
    phase = (
        f" Phase {first.phase} ({first.name.lower()}) would bring it to {first.projected_score:.1f}"
        f" (+{first.gain:.1f})."
        if first
        else ""
    )
    return where + gap + phase


def shared_doubts(result: Result) -> set[str]:
    """Low-confidence reasons the verdict already states once for many figures: not repeated per metric."""
    reasons = {m.low_confidence for c in result.categories for m in c.metrics if m.low_confidence}
    return {r for r in reasons if any(r in v for v in result.verdict)}


def _with(result: Result, shape: Callable[[dict[str, Any]], bool]) -> MetricResult | None:
    """The first metric whose evidence has ``shape``: a reporter knows evidence shapes, not metric ids."""
    return next((m for c in result.categories for m in c.metrics if shape(m.evidence)), None)


def _ramp_steps(ev: dict[str, Any]) -> bool:
    steps = ev.get("steps")
    return isinstance(steps, list) and bool(steps) and all(isinstance(s, dict) and "concurrency" in s for s in steps)


def _endpoint_latencies(ev: dict[str, Any]) -> bool:
    eps = ev.get("endpoints")
    return isinstance(eps, dict) and bool(eps) and all(isinstance(e, dict) and "p99_ms" in e for e in eps.values())


def charts(result: Result) -> dict[str, str]:
    """The ramp and per-endpoint latency, from the evidence of the metrics that measured them."""
    ramp = _with(result, _ramp_steps)
    latency = _with(result, _endpoint_latencies)
    out = {"ramp": "", "latency": ""}
    if ramp is not None and isinstance(ramp.evidence.get("steps"), list):
        slo = ramp.evidence.get("slo_p95_ms")
        out["ramp"] = ramp_chart(ramp.evidence["steps"], slo if isinstance(slo, int | float) else None)
    if latency is not None and isinstance(latency.evidence.get("endpoints"), dict):
        ms = latency.unit == "ms" and isinstance(latency.target, int | float) and not isinstance(latency.target, bool)
        out["latency"] = latency_chart(latency.evidence["endpoints"], float(latency.target) if ms else None)
    return out


def _printable(value: Any) -> Any:
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):  # Markup: charts and tables built here
        return printable(value, keep="\n\t")
    return value


@functools.cache
def _environment(templates: str) -> Environment:
    """One per process: jinja compiles a template once per environment (~80 ms for the report's), and its
    loader reads a template again when the file changes."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_printable,  # every value shown: control bytes from the target become spaces
    )


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    from markupsafe import Markup

    from perfscore.resources import templates_dir

    env = _environment(str(templates_dir()))
    ctx = ctx or ReportContext()
    template = env.get_template("report.html.j2")
    drawn = charts(result)
    return template.render(
        r=result,
        ctx=ctx,
        headline=headline(result),
        shared=shared_doubts(result),
        gauge=Markup(gauge(result.score)),
        ramp_chart=Markup(drawn["ramp"]),
        latency_chart=Markup(drawn["latency"]),
        trend=Markup(trend(ctx.history)),
        band_class=band_class,
        band_name=band_name,
        priority_class=priority_class,
        human=human,
        evidence=evidence_html,
        faults=fault_rows(result),
        fault_headings=HEADINGS,
        fault_caption=fault_caption(result),
        fault_title=fault_title(result),
    )
