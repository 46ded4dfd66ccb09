"""What the result-printing commands share: output, formats and the score gate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from perfscore.errors import ExitCode, PerfscoreError

if TYPE_CHECKING:  # the models import pydantic: keep `perfscore --help` fast
    from perfscore.result import Result

FORMAT_HELP = "Output format: terminal or json."


def emit(result: Result, fmt: str, output: Path | None) -> None:
    from perfscore.reporters import render

    if output is not None:
        text = render(result, fmt, color=False)
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            tmp = output.with_name(output.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(output)
        except OSError as exc:
            raise PerfscoreError(f"cannot write {output}: {exc.strerror}.") from None
        sys.stderr.write(f"wrote {output}\n")
    else:
        color = fmt == "terminal" and sys.stdout.isatty()
        sys.stdout.write(render(result, fmt, color=color))


def gate(result: Result, fail_under: float | None) -> ExitCode:
    if fail_under is not None and result.score < fail_under:
        sys.stderr.write(f"perfscore: gate failed: score {result.score:.2f} is below --fail-under {fail_under:g}\n")
        return ExitCode.GATE_FAILED
    return ExitCode.OK


def check_fail_under(value: float | None) -> float | None:
    if value is not None and not 0 <= value <= 100:
        raise typer.BadParameter("must be between 0 and 100", param_hint="--fail-under")
    return value
