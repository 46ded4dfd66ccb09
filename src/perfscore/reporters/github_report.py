"""GitHub Actions workflow commands: a pull request's checks show the verdict where the code is reviewed.

``::error`` for what fails the gate and for critical findings (they lead the roadmap), ``::warning`` for the
roadmap's next fixes, ``::notice`` for the score. Messages are escaped as the runner requires (``%``, CR,
LF; in properties also ``:`` and ``,``), so a hostile string cannot start a command of its own.
See https://docs.github.com/actions/reference/workflow-commands-for-github-actions
"""

from __future__ import annotations

from perfscore.reporters.context import ReportContext
from perfscore.reporters.values import band_name, printable
from perfscore.result import Result

WARNINGS = 5  # roadmap items shown as warnings, after the critical ones


def _data(text: str) -> str:
    return printable(text, keep="\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _line(kind: str, title: str, message: str) -> str:
    return f"::{kind} title={_prop(title)}::{_data(message)}"


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    ctx = ctx or ReportContext()
    lines = []
    failed = [g for g in ctx.gate if g.failed]
    for g in failed:
        lines.append(_line("error", f"perfscore gate: {g.name}", g.message))
    for g in ctx.gate:
        if g.warned:  # a warn budget broken: shown, never failing
            lines.append(_line("warning", f"perfscore budget: {g.name}", g.message))
    for v in result.verdict:
        lines.append(_line("error" if failed else "warning", "perfscore verdict", v))
    shown = 0
    for item in result.roadmap:
        found = f" (found: {item.detail[:300]})" if item.detail else ""
        message = f"+{item.gain:.2f} points: {item.action}{found}"
        if item.critical:
            lines.append(_line("error" if failed else "warning", f"fix first: {item.title}", message))
        elif shown < WARNINGS:
            shown += 1
            lines.append(_line("warning", f"{item.title} ({item.category})", message))
    gate = "gate failed" if failed else ("gate passed" if ctx.gate else "no gate")
    lines.append(
        _line(
            "notice",
            "perfscore",
            f"{result.score:.2f}/100 ({band_name(result.score)}), {gate}; gap to 100: {100 - result.score:.2f} points",
        )
    )
    return "\n".join(lines) + "\n"
