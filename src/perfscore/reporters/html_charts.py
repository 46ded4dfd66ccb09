"""Inline SVG charts for the HTML report: the score gauge, the scalability ramp, latency per endpoint, the
trend. Built from numbers; the few labels that come from the target (endpoint names) are escaped here."""

from __future__ import annotations

import math
from typing import Any

from markupsafe import escape

from perfscore.history import HistoryPoint
from perfscore.reporters.values import band_class, printable

COLORS = {"good": "#0c7c3a", "avg": "#b25e00", "poor": "#c5221f"}
INK, MUTED, GRID, BLUE, ORANGE = "#1f2933", "#5f6b7a", "#e3e8ef", "#1a5c8a", "#b25e00"
RED = "#b42318"


def _t(s: object) -> str:
    return str(escape(printable(str(s))))


def gauge(score: float) -> str:
    """A 270° arc with the score as the headline prints it (two decimals)."""
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
        f'<path d="M {x0:.2f} {y0:.2f} A {r} {r} 0 {large} 1 {xe:.2f} {ye:.2f}" fill="none" '
        f'stroke="{color}" stroke-width="12" stroke-linecap="round"/>'
        if sweep > 0.5
        else ""
    )
    return (
        f'<svg width="128" height="120" viewBox="0 0 128 120" role="img" aria-label="score {score:.2f} of 100">'
        f'<path d="M {x0:.2f} {y0:.2f} A {r} {r} 0 1 1 {x1:.2f} {y1:.2f}" fill="none" stroke="{GRID}" '
        f'stroke-width="12" stroke-linecap="round"/>{value}'
        f'<text x="64" y="71" text-anchor="middle" font-size="22" font-weight="700" fill="{color}">{score:.2f}</text>'
        f'<text x="64" y="112" text-anchor="middle" font-size="11" fill="{MUTED}">of 100</text></svg>'
    )


def _ok_rps(step: dict[str, Any]) -> float:
    """A step's successful requests/s: its rate without its errors (a step refused 96 % of the time answers
    fast, and its raw rate is no capacity)."""
    rate = float(step["rps"])
    errors = step.get("error_rate")
    return rate * (1 - min(max(float(errors), 0.0), 1.0)) if isinstance(errors, int | float) else rate


def ramp_chart(steps: list[dict[str, Any]], slo_p95_ms: float | None) -> str:
    """Successful requests/s per ramp step (bars, left axis; errors/s as a red bar beside, on the same axis,
    cut at its top) and its p95 (line, right axis) with the SLO as a dashed line: where the curve crosses it
    is the stack's capacity. The axis is set by successes, so a step that failed fast does not flatten the
    others."""
    pts = [s for s in steps if isinstance(s.get("concurrency"), int) and isinstance(s.get("rps"), int | float)]
    if len(pts) < 2:
        return ""
    w, h, left, right, top, bottom = 720.0, 250.0, 64.0, 64.0, 16.0, 44.0
    plot_w, plot_h = w - left - right, h - top - bottom
    top_rps = max(_ok_rps(s) for s in pts) * 1.1 or 1.0
    p95s = [float(s["p95_ms"]) for s in pts if isinstance(s.get("p95_ms"), int | float)]
    slo = float(slo_p95_ms) if slo_p95_ms else None
    top_ms = max([*p95s, (slo or 0) * 1.25, 1.0])
    if slo:
        top_ms = min(top_ms, slo * 4)  # one runaway step must not flatten the rest
    slot = plot_w / len(pts)
    parts = [f'<svg width="100%" viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-label="scalability ramp">']
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="{BLUE}">'
            f"{top_rps * frac:,.0f}</text>"
            f'<text x="{w - right + 6}" y="{y + 4:.1f}" font-size="10" fill="{ORANGE}">{top_ms * frac:,.0f}</text>'
        )
    line = []
    for i, s in enumerate(pts):
        x = left + slot * i + slot * 0.2
        ok = _ok_rps(s)
        bh = plot_h * ok / top_rps
        fill = BLUE if s.get("meets_slo") else "#9db4c8"
        cut = s.get("abandoned")
        cut_off = (  # the generator's cut-off at the step's end: in neither bar, said on hover
            f"<title>{ok:,.0f} successful requests/s; {int(cut):,} cut off at the step's end (left out)</title>"
            if isinstance(cut, int) and not isinstance(cut, bool) and cut > 0
            else ""
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - bh:.1f}" width="{slot * 0.45:.1f}" height="{bh:.1f}" '
            f'fill="{fill}">{cut_off}</rect>'
            f'<text x="{x + slot * 0.3:.1f}" y="{h - bottom + 14}" font-size="10" text-anchor="middle" '
            f'fill="{INK}">{int(s["concurrency"]):,}</text>'
        )
        failed = float(s["rps"]) - ok
        if failed > 0:  # errors/s beside the successes, cut at the axis's top (with their share written above)
            eh = plot_h * min(failed, top_rps) / top_rps
            share = failed / float(s["rps"])
            parts.append(
                f'<rect x="{x + slot * 0.47:.1f}" y="{top + plot_h - eh:.1f}" width="{slot * 0.13:.1f}" '
                f'height="{eh:.1f}" fill="{RED}"><title>{failed:,.0f} errors/s</title></rect>'
            )
            if share >= 0.01:
                parts.append(
                    f'<text x="{x + slot * 0.3:.1f}" y="{top + plot_h - max(bh, eh) - 4:.1f}" font-size="9" '
                    f'text-anchor="middle" fill="{RED}">{share:.0%} errors</text>'
                )
        if isinstance(s.get("p95_ms"), int | float):
            y = top + plot_h * (1 - min(float(s["p95_ms"]), top_ms) / top_ms)
            line.append((x + slot * 0.3, y, float(s["p95_ms"]) > top_ms))
    if len(line) > 1:
        parts.append(
            f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y, _ in line)}" fill="none" '
            f'stroke="{ORANGE}" stroke-width="2"/>'
        )
    for x, y, off in line:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{ORANGE}"/>')
        if off:
            parts.append(
                f'<text x="{x:.1f}" y="{y - 5:.1f}" font-size="10" text-anchor="middle" fill="{ORANGE}">↑</text>'
            )
    if slo:
        y = top + plot_h * (1 - slo / top_ms)
        parts.append(
            f'<line x1="{left}" x2="{w - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{ORANGE}" stroke-dasharray="5 4"/>'
            f'<text x="{w - right - 4}" y="{y - 4:.1f}" font-size="10" text-anchor="end" fill="{ORANGE}">'
            f"SLO p95 {slo:g} ms</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{h - 8}" font-size="11" text-anchor="middle" fill="{MUTED}">'
        "concurrent users per step (pale bars: the step broke the SLO)</text>"
        f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" fill="{BLUE}" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})" text-anchor="middle">successful requests/s</text>'
        f'<text x="{w - 10}" y="{top + plot_h / 2:.1f}" font-size="11" fill="{ORANGE}" '
        f'transform="rotate(90 {w - 10} {top + plot_h / 2:.1f})" text-anchor="middle">p95 ms</text></svg>'
    )
    return "".join(parts)


def latency_chart(endpoints: dict[str, dict[str, Any]], slo_p95_ms: float | None) -> str:
    """p50, p95 and p99 of each endpoint as horizontal bars, the SLO as a dashed line."""
    rows = [
        (name, [float(e[k]) for k in ("p50_ms", "p95_ms", "p99_ms")])
        for name, e in endpoints.items()
        if isinstance(e, dict) and all(isinstance(e.get(k), int | float) for k in ("p50_ms", "p95_ms", "p99_ms"))
    ][:12]
    if not rows:
        return ""
    top = max(float(v) for _, vals in rows for v in vals) or 1.0
    if slo_p95_ms and slo_p95_ms <= top * 3:
        top = max(top, float(slo_p95_ms) * 1.1)
    w, label_w, row_h = 720.0, 170.0, 40.0
    plot_w = w - label_w - 70
    h = row_h * len(rows) + 36
    colors = ("#9db4c8", BLUE, "#0b3a5c")
    parts = [f'<svg width="100%" viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-label="latency per endpoint">']
    for i, (name, vals) in enumerate(rows):
        y = 8 + i * row_h
        parts.append(f'<text x="0" y="{y + 20}" font-size="12" fill="{INK}">{_t(str(name)[:28])}</text>')
        for j, v in enumerate(vals):
            bw = plot_w * float(v) / top
            parts.append(
                f'<rect x="{label_w}" y="{y + j * 10:.1f}" width="{max(bw, 1):.1f}" height="8" fill="{colors[j]}"/>'
                f'<text x="{label_w + bw + 4:.1f}" y="{y + j * 10 + 8:.1f}" font-size="9" fill="{MUTED}">'
                f"{float(v):,.1f}</text>"
            )
    if slo_p95_ms and slo_p95_ms <= top:
        x = label_w + plot_w * float(slo_p95_ms) / top
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{h - 28:.1f}" stroke="{ORANGE}" stroke-dasharray="5 4"/>'
            f'<text x="{x:.1f}" y="{h - 16:.1f}" font-size="10" text-anchor="middle" fill="{ORANGE}">'
            f"SLO p95 {slo_p95_ms:g} ms</text>"
        )
    parts.append(
        f'<text x="{label_w}" y="{h - 2:.1f}" font-size="10" fill="{MUTED}">ms — bars per endpoint: '
        "p50 (pale), p95, p99 (dark)</text></svg>"
    )
    return "".join(parts)


def trend(points: list[HistoryPoint]) -> str:
    """The score over earlier audits; every point labelled with its own date (and time, when two audits
    share a day), so two labels never read the same."""
    if len(points) < 2:
        return ""
    w, h, pad = 640.0, 170.0, 30.0
    scores = [p.score for p in points]
    lo, hi = min(min(scores), 90.0) - 2, 100.0
    step = (w - 2 * pad) / (len(points) - 1)
    xy = [(pad + i * step, pad + (hi - s) / (hi - lo) * (h - 2 * pad - 10)) for i, s in enumerate(scores)]
    days = [p.recorded_at.strftime("%Y-%m-%d") for p in points]
    same_day = len(set(days)) < len(days)
    fmt = "%m-%d %H:%M" if same_day else "%Y-%m-%d"
    every = max(1, math.ceil(len(points) / 8))  # at most 8 labels, first and last always
    labels = "".join(
        f'<text x="{x:.1f}" y="{h - 6}" font-size="10" text-anchor="middle" fill="{MUTED}">'
        f"{points[i].recorded_at.strftime(fmt)}</text>"
        for i, (x, _) in enumerate(xy)
        if i % every == 0 or i == len(points) - 1
    )
    ticks = "".join(
        f'<text x="2" y="{pad + (hi - v) / (hi - lo) * (h - 2 * pad - 10) + 4:.1f}" font-size="10" '
        f'fill="{MUTED}">{v:.0f}</text>'
        for v in (hi, (hi + lo) / 2, lo)
    )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BLUE}"/>' for x, y in xy)
    return (
        f'<svg width="100%" viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-label="score trend">{ticks}'
        f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="2"/>{dots}{labels}</svg>'
        f'<p class="detail">{len(points)} audits: {" → ".join(f"{s:.2f}" for s in scores[-8:])}</p>'
    )
