"""Secrets are scrubbed from a run's text, and only from its text."""

from __future__ import annotations

from perfscore.artifacts import Artifacts
from perfscore.artifacts.errors import ErrorPage, ErrorPagesSnapshot
from perfscore.artifacts.http import HttpAnswer
from perfscore.artifacts.mysql import MySQLSnapshot
from perfscore.audits import derive
from perfscore.run import ProbeReport, Run
from perfscore.sanitize import REDACTED
from perfscore.session.runner import redact


def _run(body: str) -> Run:
    return Run(
        probes=[ProbeReport(name="mysql", status="ok", message=f"server said: {body}")],
        artifacts=Artifacts(
            mysql=MySQLSnapshot(
                window_s=4249.0,
                status_before={"Uptime": "4249", "Connections": "100", "Threads_created": "1"},
                status_after={"Uptime": "8498", "Connections": "41234", "Threads_created": "2"},
            ),
            errors=ErrorPagesSnapshot(
                not_found_path="/x",
                pages=[ErrorPage(what="unknown path", answer=HttpAnswer(url="http://a/x", status=404, body=body))],
            ),
        ),
    )


def test_a_password_that_reads_like_a_number_leaves_the_figures_alone() -> None:
    run = redact(_run("denied for pw 4249"), ["4249", "1234"])
    assert run.artifacts is not None and run.artifacts.mysql is not None
    # Figures, numbers or counters sent as text, are not echoes: they stay as they were.
    assert run.artifacts.mysql.window_s == 4249.0
    assert run.artifacts.mysql.status_after["Connections"] == "41234"
    assert run.artifacts.mysql.status_before["Uptime"] == "4249"
    assert "4249" not in run.probes[0].message  # type: ignore[operator]
    assert run.artifacts.errors is not None and "4249" not in run.artifacts.errors.pages[0].answer.body


def test_non_ascii_and_json_special_passwords_are_scrubbed() -> None:
    for secret in ("pässwört", 'quo"te\\back', "tab\tnew\nline"):
        run = redact(_run(f"echo {secret} back"), [secret])
        text = run.model_dump_json()
        assert secret not in run.artifacts.errors.pages[0].answer.body  # type: ignore[union-attr]
        assert REDACTED in text
        assert derive(run)  # still a run the audits can read
