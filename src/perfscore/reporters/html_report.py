"""HTML: one self-contained file a manager reads like the seed document.

Inline CSS and SVG only; a Content-Security-Policy forbids any network load
or script. Every string from the target goes through jinja2's autoescaping;
the only unescaped blocks are the SVG charts built here from numbers.
"""

from __future__ import annotations

import json
import math
from typing import Any

from perfscore.reporters.context import ReportContext
from perfscore.reporters.values import band_class, band_name, fmt, printable, priority_class
from perfscore.result import Result

MAX_EVIDENCE = 6000


COLORS = {"good": "#0c7c3a", "avg": "#b25e00", "poor": "#c5221f"}


def evidence(ev: dict[str, Any]) -> str:
    text = json.dumps(ev, indent=2, default=str, ensure_ascii=False)
    return text if len(text) <= MAX_EVIDENCE else text[:MAX_EVIDENCE] + "\n… (truncated)"


def gauge(score: float) -> str:
    # A 270° arc; numbers only, so it is safe to embed unescaped.
    r, cx, cy = 52.0, 64.0, 64.0
    start, sweep = 135.0, 270.0 * max(0.0, min(score, 100.0)) / 100.0

    def point(angle: float) -> tuple[float, float]:
        a = math.radians(angle)
        return cx + r * math.cos(a), cy + r * math.sin(a)

    x0, y0 = point(start)
    x1, y1 = point(start + 270.0)
    xe, ye = point(start + sweep)
    large = 1 if sweep > 180 else 0
    color = COLORS[band_class(score)]
    value = (
        (
            f'<path d="M {x0:.2f} {y0:.2f} A {r} {r} 0 {large} 1 {xe:.2f} {ye:.2f}" fill="none" '
            f'stroke="{color}" stroke-width="12" stroke-linecap="round"/>'
        )
        if sweep > 0.5
        else ""
    )
    return (
        f'<svg width="128" height="120" viewBox="0 0 128 120" role="img" aria-label="score {score:.2f} of 100">'
        f'<path d="M {x0:.2f} {y0:.2f} A {r} {r} 0 1 1 {x1:.2f} {y1:.2f}" fill="none" stroke="#e3e8ef" '
        f'stroke-width="12" stroke-linecap="round"/>{value}'
        f'<text x="64" y="72" text-anchor="middle" font-size="26" font-weight="700" fill="{color}">{score:.1f}</text>'
        f'<text x="64" y="112" text-anchor="middle" font-size="11" fill="#5f6b7a">of 100</text></svg>'
    )


def bars(result: Result) -> str:
    row, width, label_w = 26, 760, 250
    h = row * len(result.categories) + 24
    parts = [f'<svg width="100%" viewBox="0 0 {width + 60} {h}" role="img" aria-label="category scores">']
    for i, c in enumerate(result.categories):
        y = 8 + i * row
        w = (width - label_w) * max(0.0, min(c.score, 100.0)) / 100.0
        color = COLORS[band_class(c.score)]
        title = _svg_text(c.title)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="12" fill="#1f2933">{title} ({c.weight:g}%)</text>'
            f'<rect x="{label_w}" y="{y}" width="{width - label_w}" height="18" fill="#eef2f7"/>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="18" fill="{color}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 14}" font-size="12" fill="#1f2933">{c.score:.2f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend(ctx: ReportContext) -> str:
    points = ctx.history
    if len(points) < 2:
        return ""
    w, h, pad = 640.0, 160.0, 28.0
    scores = [p.score for p in points]
    lo, hi = min(min(scores), 90.0) - 2, 100.0
    step = (w - 2 * pad) / (len(points) - 1)
    xy = [(pad + i * step, pad + (hi - s) / (hi - lo) * (h - 2 * pad)) for i, s in enumerate(scores)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1a5c8a"/>' for x, y in xy)
    labels = (
        f'<text x="{xy[0][0]:.1f}" y="{h - 6}" font-size="11" fill="#5f6b7a">'
        f"{points[0].recorded_at.strftime('%Y-%m-%d')}</text>"
        f'<text x="{xy[-1][0]:.1f}" y="{h - 6}" font-size="11" text-anchor="end" fill="#5f6b7a">'
        f"{points[-1].recorded_at.strftime('%Y-%m-%d')}</text>"
    )
    ticks = "".join(
        f'<text x="2" y="{pad + (hi - v) / (hi - lo) * (h - 2 * pad) + 4:.1f}" font-size="10" '
        f'fill="#5f6b7a">{v:.0f}</text>'
        for v in (hi, (hi + lo) / 2, lo)
    )
    return (
        f'<svg width="100%" viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-label="score trend">{ticks}'
        f'<polyline points="{line}" fill="none" stroke="#1a5c8a" stroke-width="2"/>{dots}{labels}</svg>'
        f'<p class="detail">{len(points)} audits: {" → ".join(f"{s:.2f}" for s in scores[-8:])}</p>'
    )


def _printable(value: Any) -> Any:
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):  # Markup: the SVG built here from numbers
        return printable(value, keep="\n\t")
    return value


def _svg_text(s: str) -> str:
    from markupsafe import escape

    return str(escape(s))


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from perfscore.resources import templates_dir

    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_printable,  # every value shown: control bytes from the target become spaces
    )
    ctx = ctx or ReportContext()
    template = env.get_template("report.html.j2")
    return template.render(
        r=result,
        ctx=ctx,
        gauge=gauge(result.score),
        bars=bars(result),
        trend=trend(ctx),
        band_class=band_class,
        band_name=band_name,
        priority_class=priority_class,
        fmt=fmt,
        evidence=evidence,
    )
