"""What the result-printing commands share: loading inputs, the gate, history, output."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfscore.errors import ExitCode, PerfscoreError

if TYPE_CHECKING:  # the models import pydantic: keep `perfscore --help` fast
    from perfscore.config import Config
    from perfscore.gate import GateOptions
    from perfscore.history import HistoryPoint
    from perfscore.reporters.context import ReportContext
    from perfscore.result import Result
    from perfscore.rubric.model import Rubric


STDOUT = Path("-")
DISCOVERED = "perfscore.yaml"  # as session.plan.DISCOVERED (not imported: it would load pydantic for --help)


class Format(StrEnum):
    """Report formats; help lists them as choices."""

    terminal = "terminal"
    json = "json"
    html = "html"
    markdown = "markdown"
    junit = "junit"
    prometheus = "prometheus"
    github = "github"


FORMAT_HELP = (
    "Format of standard output, and of an --output whose extension names none "
    "(.html .json .md .xml=junit .prom .txt=terminal). github: ::error/::warning annotations."
)
OUTPUT_HELP = "Write a report here instead of stdout; repeat for several (-o report.html -o junit.xml); - is stdout."
FAIL_UNDER_HELP = "Exit 1 below this score; CATEGORY=SCORE sets a category floor (repeatable)."
FAIL_ON_HELP = "critical: exit 1 on any critical finding (served secrets, a failing app, throttled); none: never."
# Options audit and score share, declared once (typer reads the same OptionInfo for both commands).
FORMAT_OPTION = typer.Option(None, "--format", "-f", help=FORMAT_HELP)
OUTPUT_OPTION = typer.Option([], "--output", "-o", metavar="FILE", help=OUTPUT_HELP)
FAIL_UNDER_OPTION = typer.Option([], "--fail-under", metavar="SCORE|CATEGORY=SCORE", help=FAIL_UNDER_HELP)
FAIL_ON_OPTION = typer.Option([], "--fail-on", metavar="critical|none", help=FAIL_ON_HELP)
RUBRIC_OPTION = typer.Option(None, "--rubric", "-r", metavar="FILE", help="Rubric YAML (default: bundled loanflow).")
BASELINE_OPTION = typer.Option(None, "--baseline", metavar="FILE", help="Run or result to compare against.")
ASSERT_OPTION = typer.Option(
    [],
    "--assert",
    metavar="METRIC<VALUE[:warn]",
    help="A budget on any metric, e.g. 'http.p95_latency<100ms', 'http.error_rate<0.1%:warn' (repeatable; "
    "error budgets fail the gate, warn ones are reported).",
)
MAX_DROP_OPTION = typer.Option(
    None, "--max-drop", metavar="POINTS", help="Points the score may fall below the baseline (needs --baseline)."
)
EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xml": "junit",
    ".prom": "prometheus",
    ".txt": "terminal",
}


def plan_outputs(fmt: Format | None, outputs: list[Path]) -> list[tuple[Path | None, str]]:
    """Where each report goes, in which format. One --output with --format: that format, whatever the
    extension (``-f json -o /dev/stdout``); otherwise each output's extension decides, --format for the rest
    (a lone output whose extension names none: the terminal text, as before)."""
    chosen = fmt.value if fmt is not None else None
    if not outputs:
        return [(None, chosen or "terminal")]
    if chosen and len(outputs) == 1:
        return [(None if outputs[0] == STDOUT else outputs[0], chosen)]
    seen: set[Path] = set()
    plan: list[tuple[Path | None, str]] = []
    for path in outputs:
        if path in seen:
            raise PerfscoreError(f"--output {path} is given twice.")
        seen.add(path)
        if path == STDOUT:  # `-o -`: standard output, in --format (as Lighthouse's --output-path stdout)
            plan.append((None, chosen or "terminal"))
            continue
        by_ext = EXTENSIONS.get(path.suffix.lower())
        if by_ext is None and chosen is None and len(outputs) > 1:
            raise PerfscoreError(
                f"cannot tell the format of {path} from its extension: use .html, .json, .md, .xml (JUnit), "
                ".prom or .txt, or give --format."
            )
        plan.append((path, by_ext or chosen or "terminal"))
    return plan


def history_path(flag: Path | None, cfg: Config | None = None) -> Path:
    from perfscore import history

    return history.path_for(flag, cfg)


def write_text(output: Path, text: str) -> None:
    from perfscore.files import write_output

    write_output(output, text)


def emit(result: Result, plan: list[tuple[Path | None, str]], ctx: ReportContext | None = None) -> None:
    import dataclasses

    from perfscore.cli import ui
    from perfscore.reporters import render
    from perfscore.reporters.context import ReportContext
    from perfscore.sanitize import redact

    ctx = ctx or ReportContext()
    for output, fmt in plan:
        if output is not None:
            write_text(output, render(result, fmt, color=False, ctx=ctx))
            if not ui.STATE.quiet:
                sys.stderr.write(f"wrote {output} ({fmt})\n")
        else:
            color = fmt == "terminal" and ui.color(sys.stdout)
            here = dataclasses.replace(ctx, width=ui.width(sys.stdout))
            sys.stdout.write(redact(render(result, fmt, color=color, ctx=here)))


def load_result(path: Path, rubric: Rubric, *, rubric_given: bool = False, announce: bool = False) -> Result:
    """A saved run (re-scored with ``rubric``) or a JSON result, whichever the file holds; anything else is
    exit 2. With ``announce``, stderr says which it was."""
    from pydantic import ValidationError

    from perfscore.result import Result
    from perfscore.run import load_run
    from perfscore.sanitize import clean_tree
    from perfscore.scoring import score_run
    from perfscore.yamlfile import read_json

    data = read_json(path, "input file", "; is the file truncated?")
    if not isinstance(data, dict):
        raise PerfscoreError(f"{path}: expected a JSON object, found {type(data).__name__}.")
    if isinstance(data, dict) and ("measurements" in data or "artifacts" in data):
        if announce:
            _note(f"{path}: a saved run, scored with the rubric {rubric.name} v{rubric.version}")
        return score_run(load_run(path), rubric)
    if isinstance(data, dict) and "categories" in data and "score" in data:
        if rubric_given:
            raise PerfscoreError(
                f"{path} is a scored result: it cannot be re-scored with another rubric; pass the run saved "
                "with --save-run instead."
            )
        if announce:
            _note(f"{path}: a scored result, shown as it was scored (pass a saved run to re-score)")
        try:
            kept = {k: v for k, v in data.items() if k not in ("gate", "comparison")}
            return Result.model_validate(clean_tree(kept))
        except RecursionError:
            raise PerfscoreError(f"{path}: nested too deeply to read.") from None
        except ValidationError as exc:
            raise PerfscoreError(
                f"{path} looks like a perfscore result but does not parse: {exc.errors()[0]['msg']}."
            ) from None
    raise PerfscoreError(
        f"{path} is neither a perfscore run (from 'audit --save-run') nor a perfscore result (from '-f json')."
    )


def _note(line: str) -> None:
    from perfscore.cli import ui
    from perfscore.sanitize import clean

    if not ui.STATE.quiet:
        sys.stderr.write(f"perfscore: {clean(line, oneline=True)}\n")


def finish(
    result: Result,
    rubric: Rubric,
    plan: list[tuple[Path | None, str]],
    gate: GateOptions,
    history: Path | None = None,
    *,
    history_explicit: bool = True,
) -> ExitCode:
    """Record history, evaluate the gate, print the report; return the exit code."""
    from perfscore import gate as gating
    from perfscore.reporters.context import ReportContext

    critical = gating.parse_fail_on(list(gate.fail_on), list(gate.config_fail_on))
    overall, floors = gating.parse_thresholds(list(gate.fail_under), list(rubric.categories))
    if overall is None:
        overall = gate.config_fail_under
    floors = {**gate.config_floors, **floors}
    base = load_result(gate.baseline, rubric) if gate.baseline else None
    max_drop = gate.allowed_drop
    if max_drop is not None and not 0 <= max_drop < float("inf"):  # NaN would switch the check off
        raise PerfscoreError("--max-drop must be a number of points, 0 or more.")
    if gate.max_drop is not None and gate.baseline is None:
        raise PerfscoreError(gating.NEEDS_BASELINE)
    points = _record(history, result, history_explicit) if history is not None else []
    budgets = gate.budgets({mid: m.unit for mid, m in rubric.metrics.items()})
    checks = gating.evaluate(result, overall, floors, base, max_drop, fail_on_critical=critical, budgets=budgets)
    comparison = gating.compare(base, result) if base else None
    emit(result, plan, ReportContext(gate=checks, comparison=comparison, history=points))
    failed = [c for c in checks if c.failed]
    for c in checks:
        if c.warned:
            sys.stderr.write(f"perfscore: gate warning: {c.name}: {c.message}\n")
    for c in failed:
        sys.stderr.write(f"perfscore: gate failed: {c.name}: {c.message}\n")
    if all(dest is not None for dest, _ in plan):  # nothing on stdout: the log still says where things stand
        from perfscore.cli import ui
        from perfscore.reporters.values import band_name

        if not ui.STATE.quiet:
            verdict = "gate failed" if failed else ("gate passed" if checks else "no gate")
            sys.stderr.write(f"perfscore: score {result.score:.2f}/100 ({band_name(result.score)}), {verdict}\n")
    return ExitCode.GATE_FAILED if failed else ExitCode.OK


def _record(history: Path, result: Result, explicit: bool) -> list[HistoryPoint]:
    """Append the result to the history and read the target's trend back."""
    from perfscore import history as hist

    try:
        hist.record(history, result)
        return hist.load(history, target=result.target.name)
    except PerfscoreError as exc:
        if explicit:
            raise
        # the default history nobody asked for (a read-only home in CI): the report matters more
        sys.stderr.write(f"perfscore: warning: not recorded in the history: {exc.message}\n")
        return []


def check_fail_under(value: float | None) -> float | None:
    if value is not None and not 0 <= value <= 100:
        raise typer.BadParameter("must be between 0 and 100", param_hint="--fail-under")
    return value
