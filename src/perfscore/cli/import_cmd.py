"""``perfscore import TOOL FILE``: score a load test another tool ran (JMeter, k6, Locust)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import typer

from perfscore.cli.common import (
    BASELINE_OPTION,
    FAIL_ON_OPTION,
    FAIL_UNDER_OPTION,
    FORMAT_OPTION,
    MAX_DROP_OPTION,
    OUTPUT_OPTION,
    RUBRIC_OPTION,
    Format,
)


def import_results(
    tool: str = typer.Argument(..., metavar="TOOL", help="jmeter, k6 or locust."),
    files: list[Path] = typer.Argument(
        ...,
        metavar="FILE",
        help="JMeter: a CSV or XML .jtl; k6: --summary-export JSON or --out json NDJSON; Locust: the --csv prefix.",
    ),
    config: Path | None = typer.Option(
        None, "--config", metavar="FILE", help="Take the target's name and the SLO (the targets) from this config."
    ),
    rubric: Path | None = RUBRIC_OPTION,
    fmt: Format | None = FORMAT_OPTION,
    output: list[Path] = OUTPUT_OPTION,
    save_run: Path | None = typer.Option(
        None, "--save-run", metavar="FILE", help="Save the imported measurements as a run (re-score later)."
    ),
    fail_under: list[str] = FAIL_UNDER_OPTION,
    fail_on: list[str] = FAIL_ON_OPTION,
    baseline: Path | None = BASELINE_OPTION,
    max_drop: float | None = MAX_DROP_OPTION,
) -> None:
    """Read another tool's load-test results, as the window (and ramp) of a run, and score them."""
    from perfscore.artifacts import Artifacts
    from perfscore.audits import derive
    from perfscore.cli.common import finish, plan_outputs
    from perfscore.config import Config, load_config
    from perfscore.gate import GateOptions
    from perfscore.imports import ramp_of, read_results, started, window_of
    from perfscore.rubric import load_rubric
    from perfscore.run import ProbeReport, Run, TargetInfo
    from perfscore.run import save_run as save
    from perfscore.sanitize import clean, clean_tree
    from perfscore.scoring import score_run

    plan = plan_outputs(fmt, output)
    rub = load_rubric(rubric)
    cfg = load_config(config) if config else Config()
    if save_run is not None:
        from perfscore.files import check_writable

        check_writable(save_run)
    t0 = time.monotonic()
    imp = read_results(tool, files, byte_progress(f"reading {clean(files[0].name, oneline=True)[:80]}"))
    load = imp.load
    ramp = ramp_of(imp, cfg.audit.load.slo_p95_ms, cfg.audit.load.slo_error_rate)
    what = f"imported from {load.source}"
    probes = [ProbeReport(name="window", status="ok", message=what, duration_s=round(time.monotonic() - t0, 3))]
    probes.append(
        ProbeReport(name="ramp", status="ok", message=f"{len(ramp.steps)} steps {what}")
        if ramp
        else ProbeReport(name="ramp", status="skipped", message="the results hold fewer than two concurrency levels")
    )
    # What an imported load file cannot hold: said, so the score is over what the file measured.
    from perfscore.gatherers import GATHERERS

    probes += [
        ProbeReport(name=g.name, status="skipped", message=f"not in an imported {imp.tool} results file")
        for g in GATHERERS
        if g.name not in ("window", "ramp")
    ]
    base_url = load.target if load.target.startswith(("http://", "https://")) else None
    run = Run(
        started_at=started(imp),
        duration_s=load.duration_s,
        target=TargetInfo(name=cfg.target.name if config else f"{imp.tool} results", base_url=base_url),
        probes=probes,
        artifacts=Artifacts(window=window_of(imp), ramp=ramp, slo=cfg.slo.snapshot()),
    )
    # As an audit's run is: no control or bidi character of a label survives into a report or saved run.
    run = Run.model_validate(clean_tree(run.model_dump(mode="json")))
    run = run.model_copy(update={"measurements": derive(run)})
    if save_run is not None:
        save(run, save_run)
    source = clean(load.source or "", oneline=True)
    sys.stderr.write(
        f"perfscore: {load.requests:,} requests from {source} over {load.duration_s:,.1f}s"
        + (f", {len(imp.steps)} concurrency steps" if imp.steps else "")
        + "\n"
    )
    result = score_run(run, rub)
    gate = GateOptions(fail_under=tuple(fail_under), fail_on=tuple(fail_on), baseline=baseline, max_drop=max_drop)
    code = finish(result, rub, plan, gate)
    raise typer.Exit(int(code))


def byte_progress(label: str) -> Callable[[int, int], None] | None:
    """Bytes read of a file: one line rewriting itself on a terminal, a line every 5 s off one."""
    from perfscore.cli import ui

    if ui.STATE.quiet:
        return None
    tty = sys.stderr.isatty()
    began = time.monotonic()
    last = [0.0]

    def progress(done: int, size: int) -> None:
        spent = time.monotonic() - began
        line = f"{label}: {done / 2**20:,.0f} of {size / 2**20:,.0f} MiB ({done / max(size, 1):.0%}, {spent:.0f}s)"
        if tty:
            sys.stderr.write(f"\r\x1b[K  {line}" + ("\n" if done >= size else ""))
            sys.stderr.flush()
        elif spent - last[0] >= 5 or (done >= size and spent >= 5):
            last[0] = spent
            sys.stderr.write(f"perfscore: {line}\n")

    return progress


def register(app: typer.Typer) -> None:
    app.command("import")(import_results)
