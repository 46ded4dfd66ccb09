"""Markdown: for a pull-request comment or a CI job summary."""

from __future__ import annotations

from perfscore.gate import GateCheck
from perfscore.reporters.context import ReportContext
from perfscore.reporters.faults import HEADINGS, fault_caption, fault_rows, fault_title
from perfscore.reporters.values import band_name, fmt, printable
from perfscore.result import Result


def md(text: object) -> str:
    """Neutralise Markdown and HTML in target-supplied text (tables, links, tags)."""
    s = printable(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in ("\\", "|", "`", "*", "_", "[", "]", "#"):
        s = s.replace(ch, "\\" + ch)
    return s


def _mark(g: GateCheck) -> str:
    return "✅ pass" if g.passed else ("⚠️ warn" if g.level == "warn" else "❌ FAIL")


def _roadmap(result: Result) -> list[str]:
    if not result.roadmap:
        return []
    steps = " → ".join([f"{result.score:.2f}"] + [f"{p.projected_score:.2f} (phase {p.phase})" for p in result.phases])
    out = [
        "### Roadmap",
        "",
        f"Projected: {steps}",
        *[f"\nPhase {p.phase}: {md(p.note)}" for p in result.phases if p.note],
        "",
        "| # | Gain | Fix | Category | Effort | Phase |",
        "|---:|---:|---|---|---|---:|",
    ]
    for i, item in enumerate(result.roadmap[:15], 1):
        found = f" — found: {md(item.detail[:160])}" if item.detail else ""
        if item.saving_ms is not None and item.saving:
            found += f" — {md(item.saving[:160])}"
        if item.assumes:
            found += f" — advice for: {md('; '.join(item.assumes)[:160])}"
        first = "🛑 fix first: " if item.critical else ""
        gain = "critical" if item.critical and item.gain < 0.005 else f"+{item.gain:.2f}"  # a cap still binds
        out.append(
            f"| {i} | {gain} | {first}**{md(item.title)}** ({md(item.metric)}): {md(item.action)}{found} | "
            f"{md(item.category)} | {item.effort} | {item.phase} |"
        )
    if len(result.roadmap) > 15:
        out.append(f"\n…and {len(result.roadmap) - 15} more.")
    return out + [""]


def _faults(result: Result) -> list[str]:
    rows = fault_rows(result)
    if not rows:
        return []
    out = [f"### {fault_title(result)}", "", "| " + " | ".join(HEADINGS) + " |", "|---|---|---|---:|---:|---|---:|---|"]
    out += ["| " + " | ".join(md(c) for c in r.cells()) + " |" for r in rows]
    out += ["", md(fault_caption(result))]
    notes = [f"- {md(r.name)}: {md(r.notes[:300])}" for r in rows if r.notes]
    return out + ([""] + notes if notes else []) + [""]


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    ctx = ctx or ReportContext()
    failed = [g for g in ctx.gate if g.failed]
    if failed:  # a PR comment leads with what decides the merge
        why = "; ".join(md(f"{g.name}: {g.message}") for g in failed[:3])
        out = [
            f"## ❌ perfscore gate failed: {why}",
            "",
            f"Score {result.score:.2f}/100 ({band_name(result.score)})",
            "",
        ]
    elif ctx.gate:
        out = [f"## ✅ perfscore gate passed: {result.score:.2f}/100 ({band_name(result.score)})", ""]
    else:
        out = [f"## Performance score: {result.score:.2f}/100 ({band_name(result.score)})", ""]
    out += [f"> 🛑 **{md(v)}**" for v in result.verdict] + ([""] if result.verdict else [])
    out += [
        f"Target **{md(result.target.name)}** · rubric {md(result.rubric)} v{md(result.rubric_version)} · "
        f"gap to 100: {100 - result.score:.2f} points",
        "",
    ]
    if result.targets is not None:
        out += [f"Targets: {md(result.targets.summary)}", ""]
    if ctx.gate:
        out += ["| Gate | Result | Detail |", "|---|---|---|"]
        out += [f"| {md(g.name)} | {_mark(g)} | {md(g.message)} |" for g in ctx.gate]
        out.append("")
    out += [
        "| Category | Weight | Score | Target | Points needed | Weighted impact | Priority |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in result.categories:
        score = f"{c.score:.2f}" if c.measured else "not measured"
        out.append(
            f"| {md(c.title)} | {c.weight:g}% | {score} | {c.target:.0f} | +{c.points_needed:.2f} | "
            f"+{c.weighted_impact:.2f} | #{c.rank} {c.priority} |"
        )
    out.append("")
    out += _roadmap(result)
    out += _faults(result)
    if ctx.comparison and ctx.comparison.regressed:
        out += ["### Regressions", "", "| Metric | Before | After | Points lost |", "|---|---:|---:|---:|"]
        for r in ctx.comparison.regressed[:15]:
            out.append(
                f"| {md(r.metric)} | {md(fmt(r.before_value, r.unit))} | {md(fmt(r.after_value, r.unit))} | "
                f"−{r.points:.2f} |"
            )
        out.append("")
    if result.not_measured:
        out += [f"<details><summary>Measure first ({len(result.not_measured)} metrics, scored 0)</summary>", ""]
        out += [f"- {md(n.metric)} (+{n.points:.2f} at stake): {md(n.reason)}" for n in result.not_measured]
        out += ["", "</details>", ""]
    if result.insufficient:
        out += [f"<details><summary>Not enough data ({len(result.insufficient)} metrics, left out)</summary>", ""]
        out += [f"- {md(n.metric)}: {md(n.reason)}" for n in result.insufficient]
        out += ["", "</details>", ""]
    return "\n".join(out) + "\n"
