"""JUnit XML: one testcase per metric and per gate check, so CI systems show results natively.

Convention (as CI UIs render it): only the gate fails. A failed gate check is a ``<failure>`` in the
``perfscore.gate`` suite, so a red job shows red tests and a green job none. Metrics are information: one
that meets its target passes; one below it passes too, with its value, target and score in ``system-out``
(a CI test list would otherwise show failures on a passing build); one not measured, invalid, not applicable,
without enough data or reported with weight 0 is ``<skipped>`` with the reason.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from perfscore.reporters.context import ReportContext
from perfscore.reporters.values import fmt
from perfscore.result import MetricResult, Result


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; a hostile server may send them.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _metric_case(case: ET.Element, m: MetricResult) -> str | None:
    """Fill one metric's testcase; say whether it is skipped, or passed (None)."""
    if m.status in ("not_applicable", "insufficient_data"):
        ET.SubElement(case, "skipped", message=_clean(m.reason or m.status.replace("_", " ")))
        return "skipped"
    if m.weight <= 0:  # reported, not scored
        shown = fmt(m.value, m.unit) if m.status == "measured" else f"not measured ({m.reason})"
        ET.SubElement(case, "skipped", message=_clean(f"reported, not scored (weight 0): {shown}"))
        return "skipped"
    if m.status == "invalid":
        ET.SubElement(case, "skipped", message=_clean(f"invalid, scored 0: {m.reason}"))
        return "skipped"
    if m.status == "unavailable":
        ET.SubElement(case, "skipped", message=_clean(f"not measured, scored 0: {m.reason or 'unknown'}"))
        return "skipped"
    score = f"score {(m.score or 0) * 100:.0f}/100"
    if m.meets_target:
        said = f"{m.title}: {fmt(m.value, m.unit)}, meets target {fmt(m.target, m.unit)} ({score})"
    else:
        said = f"{m.title}: {fmt(m.value, m.unit)}, below target {fmt(m.target, m.unit)} ({score})"
        if m.summary:
            said += f"\nfound: {m.summary}"
    ET.SubElement(case, "system-out").text = _clean(said)
    return None


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    ctx = ctx or ReportContext()
    root = ET.Element("testsuites", name="perfscore")
    if result.verdict:  # what the score cannot be taken without, first, where CI shows suite output
        props = ET.SubElement(ET.SubElement(root, "properties"), "property", name="verdict")
        props.set("value", _clean(" ".join(result.verdict)))
    total_tests = total_skip = 0
    for c in result.categories:
        suite = ET.SubElement(root, "testsuite", name=f"perfscore.{c.id}")
        tests = skips = 0
        for m in c.metrics:
            tests += 1
            outcome = _metric_case(
                ET.SubElement(suite, "testcase", classname=f"perfscore.{c.id}", name=m.id, time="0"), m
            )
            skips += outcome == "skipped"
        suite.set("tests", str(tests))
        suite.set("failures", "0")
        suite.set("skipped", str(skips))
        suite.set("errors", "0")
        total_tests, total_skip = total_tests + tests, total_skip + skips
    gate = ET.SubElement(root, "testsuite", name="perfscore.gate")
    g_tests = g_fail = 0
    floors = {g.name.removeprefix("category "): g for g in ctx.gate if g.name.startswith("category ")}
    for c in result.categories:
        g_tests += 1
        case = ET.SubElement(gate, "testcase", classname="perfscore.gate", name=f"category {c.id}", time="0")
        check = floors.get(c.id)
        out = ET.SubElement(case, "system-out")
        out.text = f"{c.title}: {c.score:.2f}/100 (weight {c.weight:g}%, points needed {c.points_needed:.2f})"
        if check is not None and check.failed:
            g_fail += 1
            ET.SubElement(case, "failure", type="gate", message=_clean(check.message))
    for g in ctx.gate:
        if g.name.startswith("category "):
            continue
        g_tests += 1
        case = ET.SubElement(gate, "testcase", classname="perfscore.gate", name=g.name, time="0")
        if g.failed:
            g_fail += 1
            ET.SubElement(case, "failure", type="gate", message=_clean(g.message))
        else:  # a broken warn budget passes, saying so: only the gate's errors are red
            said = f"warning (level warn, not failing): {g.message}" if g.warned else g.message
            ET.SubElement(case, "system-out").text = _clean(said)
    gate.set("tests", str(g_tests))
    gate.set("failures", str(g_fail))
    gate.set("skipped", "0")
    gate.set("errors", "0")
    root.set("tests", str(total_tests + g_tests))
    root.set("failures", str(g_fail))
    root.set("skipped", str(total_skip))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
