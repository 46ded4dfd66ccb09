"""Debian's JMeter (2.13) in non-GUI mode, through JMeterShim.java (see there why a shim is needed)."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

HOME = Path("/usr/share/jmeter")
CLASSPATH = f"{HOME}/bin/ApacheJMeter.jar:{HOME}/lib/*:{HOME}/lib/ext/*"
FIXTURES = Path(__file__).parent / "fixtures"
PLAN = FIXTURES / "loanflow.jmx"


def compiled(tmp: Path) -> Path:
    out = tmp / "shim"
    out.mkdir(exist_ok=True)
    subprocess.run(
        ["javac", "-cp", CLASSPATH, "-d", str(out), str(FIXTURES / "JMeterShim.java")],
        check=True,
        capture_output=True,
    )
    return out


def command(shim: Path, results: Path, *props: str) -> list[str]:
    """`jmeter -n -t loanflow.jmx -l results` with -J properties (JMeter 2.x writes no CSV header by default)."""
    return [
        "java", f"-Djmeter.home={HOME}", "-cp", f"{CLASSPATH}:{shim}", "JMeterShim",
        "-n", "-t", str(PLAN), "-l", str(results), "-j", str(results.with_suffix(".log")),
        "-Jjmeter.save.saveservice.print_field_names=true", "-Jjmeter.save.saveservice.url=true", *props,
    ]  # fmt: skip


def shell(argv: list[str]) -> str:
    return shlex.join(argv)
