"""JUnit XML: one testcase per metric and per gate, so CI systems show results natively."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from perfscore.reporters.context import ReportContext
from perfscore.reporters.values import fmt
from perfscore.result import MetricResult, Result


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; a hostile server may send them.
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _metric_case(case: ET.Element, m: MetricResult) -> str | None:
    """Fill one metric's testcase; say whether it is a failure, skipped, or neither."""
    if m.status in ("not_applicable", "insufficient_data"):
        ET.SubElement(case, "skipped", message=_clean(m.reason or m.status.replace("_", " ")))
        return "skipped"
    if m.weight <= 0:  # reported, not scored: never a failure of its own
        shown = fmt(m.value, m.unit) if m.status == "measured" else f"not measured ({m.reason})"
        ET.SubElement(case, "skipped", message=_clean(f"reported, not scored (weight 0): {shown}"))
        return "skipped"
    if m.status == "invalid":
        f = ET.SubElement(case, "failure", type="invalid", message=_clean(f"invalid: {m.reason}"))
        f.text = _clean(f"{m.title}: invalid, scored 0 ({m.reason})")
    elif m.status == "unavailable":
        f = ET.SubElement(
            case, "failure", type="not_measured", message=_clean(f"not measured: {m.reason or 'unknown'}")
        )
        f.text = _clean(f"{m.title}: not measured, scored 0 ({m.reason})")
    elif not m.meets_target:
        msg = f"{fmt(m.value, m.unit)} does not meet target {fmt(m.target, m.unit)} (score {(m.score or 0):.2f})"
        f = ET.SubElement(case, "failure", type="below_target", message=_clean(msg))
        f.text = _clean(f"{m.title}: {msg}" + (f"\nfound: {m.summary}" if m.summary else ""))
    else:
        return None
    return "failure"


def render(result: Result, *, color: bool = False, ctx: ReportContext | None = None) -> str:
    ctx = ctx or ReportContext()
    root = ET.Element("testsuites", name="perfscore")
    if result.verdict:  # what the score cannot be taken without, first, where CI shows suite output
        props = ET.SubElement(ET.SubElement(root, "properties"), "property", name="verdict")
        props.set("value", _clean(" ".join(result.verdict)))
    total_tests = total_fail = total_skip = 0
    for c in result.categories:
        suite = ET.SubElement(root, "testsuite", name=f"perfscore.{c.id}")
        tests = fails = skips = 0
        for m in c.metrics:
            tests += 1
            outcome = _metric_case(
                ET.SubElement(suite, "testcase", classname=f"perfscore.{c.id}", name=m.id, time="0"), m
            )
            fails += outcome == "failure"
            skips += outcome == "skipped"
        suite.set("tests", str(tests))
        suite.set("failures", str(fails))
        suite.set("skipped", str(skips))
        suite.set("errors", "0")
        total_tests, total_fail, total_skip = total_tests + tests, total_fail + fails, total_skip + skips
    gate = ET.SubElement(root, "testsuite", name="perfscore.gate")
    g_tests = g_fail = 0
    floors = {g.name.removeprefix("category "): g for g in ctx.gate if g.name.startswith("category ")}
    for c in result.categories:
        g_tests += 1
        case = ET.SubElement(gate, "testcase", classname="perfscore.gate", name=f"category {c.id}", time="0")
        check = floors.get(c.id)
        out = ET.SubElement(case, "system-out")
        out.text = f"{c.title}: {c.score:.2f}/100 (weight {c.weight:g}%, points needed {c.points_needed:.2f})"
        if check is not None and not check.passed:
            g_fail += 1
            ET.SubElement(case, "failure", type="gate", message=_clean(check.message))
    for g in ctx.gate:
        if g.name.startswith("category "):
            continue
        g_tests += 1
        case = ET.SubElement(gate, "testcase", classname="perfscore.gate", name=g.name, time="0")
        if not g.passed:
            g_fail += 1
            ET.SubElement(case, "failure", type="gate", message=_clean(g.message))
    gate.set("tests", str(g_tests))
    gate.set("failures", str(g_fail))
    gate.set("skipped", "0")
    gate.set("errors", "0")
    root.set("tests", str(total_tests + g_tests))
    root.set("failures", str(total_fail + g_fail))
    root.set("skipped", str(total_skip))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
