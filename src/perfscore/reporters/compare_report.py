"""What changed between two audits (``perfscore compare``): terminal, JSON, Markdown or HTML."""

from __future__ import annotations

import io
import json

from perfscore.errors import PerfscoreError
from perfscore.gate import Comparison
from perfscore.reporters.markdown_report import md
from perfscore.reporters.terminal_report import escape
from perfscore.reporters.values import fmt as fmt_value

COMPARE_FORMATS = ("terminal", "json", "markdown", "html")


def _html(cmp: Comparison, passed: bool) -> str:
    """A self-contained page (no script, nothing loaded) for a manager comparing two audits."""
    from markupsafe import escape as esc

    from perfscore.reporters.values import printable

    def t(text: object) -> str:
        return str(esc(printable(str(text))))

    def signed(v: float) -> str:
        return f"{v:+.2f}".replace("-", "−")

    cats = "".join(
        f"<tr><td>{t(c)}</td><td class=num>{b:.2f}</td><td class=num>{a:.2f}</td>"
        f"<td class='num {'poor' if a < b - 0.005 else 'good' if a > b + 0.005 else ''}'>{signed(a - b)}</td></tr>"
        for c, (b, a) in cmp.categories.items()
    )
    regressed = "".join(
        f"<tr><td>{t(r.metric)}</td><td class=num>{t(fmt_value(r.before_value, r.unit))}</td>"
        f"<td class=num>{t(fmt_value(r.after_value, r.unit))}</td><td class='num poor'>−{r.points:.2f}</td></tr>"
        for r in cmp.regressed
    )
    verdict = "no regression beyond the allowed drop" if passed else "a regression beyond the allowed drop"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<meta name=viewport content='width=device-width, initial-scale=1'><title>perfscore comparison</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;color:#1f2933;max-width:900px;margin:24px auto;padding:0 12px}"
        "table{border-collapse:collapse;width:100%;margin:12px 0}th,td{padding:5px 8px;border-bottom:1px solid #dde3ea;"
        "text-align:left}th{background:#eef2f7}.num{text-align:right;font-variant-numeric:tabular-nums}"
        ".good{color:#0c7c3a}.poor{color:#c5221f}</style></head><body>"
        f"<h1>Score {cmp.before:.2f} → {cmp.after:.2f} ({signed(cmp.delta)})</h1>"
        f"<p class={'good' if passed else 'poor'}><strong>{verdict}</strong></p>"
        f"<table><tr><th>Category</th><th class=num>Before</th><th class=num>After</th><th class=num>Δ</th></tr>{cats}"
        "</table>"
        + (
            "<h2>Regressed metrics</h2><table><tr><th>Metric</th><th class=num>Before</th><th class=num>After</th>"
            f"<th class=num>Points lost</th></tr>{regressed}</table>"
            if regressed
            else ""
        )
        + (f"<p>Improved: {t(', '.join(cmp.improved))}</p>" if cmp.improved else "")
        + "</body></html>\n"
    )


def _markdown(cmp: Comparison) -> str:
    lines = [
        f"## perfscore: {cmp.before:.2f} → {cmp.after:.2f} ({cmp.delta:+.2f})",
        "",
        "| Category | Before | After | Δ |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {md(c)} | {b:.2f} | {a:.2f} | {a - b:+.2f} |" for c, (b, a) in cmp.categories.items()]
    if cmp.regressed:
        lines += ["", "| Regressed metric | Before | After | Points lost |", "|---|---:|---:|---:|"]
        lines += [
            f"| {md(r.metric)} | {md(fmt_value(r.before_value, r.unit))} | "
            f"{md(fmt_value(r.after_value, r.unit))} | −{r.points:.2f} |"
            for r in cmp.regressed
        ]
    return "\n".join(lines) + "\n"


def _terminal(cmp: Comparison, color: bool) -> str:
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    con = Console(file=buf, width=110, force_terminal=color)
    con.print(f"Score {cmp.before:.2f} → [bold]{cmp.after:.2f}[/bold] ({cmp.delta:+.2f})")
    t = Table(title="Categories", title_justify="left")
    for col in ("Category", "Before", "After", "Δ"):
        t.add_column(col)
    for c, (b, a) in cmp.categories.items():
        t.add_row(escape(c), f"{b:.2f}", f"{a:.2f}", f"{a - b:+.2f}")
    con.print(t)
    if cmp.regressed:
        rt = Table(title="Regressed metrics", title_justify="left")
        for col in ("Metric", "Before", "After", "Points lost"):
            rt.add_column(col)
        for r in cmp.regressed:
            rt.add_row(
                escape(r.metric),
                escape(fmt_value(r.before_value, r.unit)),
                escape(fmt_value(r.after_value, r.unit)),
                f"-{r.points:.2f}",
            )
        con.print(rt)
    if cmp.improved:
        con.print("Improved: " + ", ".join(escape(m) for m in cmp.improved))
    return buf.getvalue()


def render(cmp: Comparison, fmt: str, *, passed: bool, color: bool = False) -> str:
    if fmt == "json":
        return json.dumps({**cmp.model_dump(mode="json"), "passed": passed}, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(cmp)
    if fmt == "terminal":
        return _terminal(cmp, color)
    if fmt == "html":
        return _html(cmp, passed)
    raise PerfscoreError(f"unknown format {fmt!r}; choose {', '.join(COMPARE_FORMATS)}.")
