"""The perfscore command line. Thin: each command lives in its own module."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
import traceback
from typing import Any, TextIO

import typer

from perfscore import __version__, tls
from perfscore.cli import (
    audit_cmd,
    compare_cmd,
    config_cmd,
    field_cmd,
    history_cmd,
    import_cmd,
    load_cmd,
    rubric_cmd,
    schema_cmd,
    score_cmd,
    ui,
)
from perfscore.errors import ExitCode, Interrupted, PerfscoreError, pending_signals

app = typer.Typer(
    name="perfscore",
    help="Audit a LoanFlow stack and score it: seven weighted categories and a gap-to-100 roadmap.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"perfscore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors, warnings and the report."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="The traceback of an internal error (as PERFSCORE_DEBUG=1)."
    ),
    no_color: bool = typer.Option(False, "--no-color", help="No colour (also NO_COLOR=1 or TERM=dumb)."),
) -> None:
    """Exit codes: 0 pass, 1 gate failed, 2 usage or input error, 3 nothing could be measured, 70 a bug,
    130/143 interrupted. -q, -v, --no-color and --version may also follow the command."""
    ui.STATE.quiet, ui.STATE.verbose, ui.STATE.no_color = quiet, verbose and not quiet, no_color


# Help lists commands in this order: the everyday ones first.
audit_cmd.register(app)
score_cmd.register(app)
compare_cmd.register(app)
load_cmd.register(app)
import_cmd.register(app)
field_cmd.register(app)
history_cmd.register(app)
rubric_cmd.register(app)
schema_cmd.register(app)
config_cmd.register(app)


def _interrupt(signum: int, frame: object) -> None:
    """Typer would turn a KeyboardInterrupt into a silent exit 130 before ``main`` saw it: raise our own."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a second Ctrl-C must not break the cleanup
        signal.signal(sig, signal.SIG_IGN)
    asyncio = sys.modules.get("asyncio")
    loop = asyncio._get_running_loop() if asyncio is not None else None
    if loop is not None:  # the load engine's loop runs here: stop it; run_worker raises when it returns
        pending_signals.append(signum)
        loop.stop()
        return
    raise Interrupted(signum)


def _value_options(root: Any = None) -> frozenset[str]:
    """Every option of every command that takes a value: a global flag right after one is that value."""
    from typer.main import get_command

    names: set[str] = set()
    stack = [root if root is not None else get_command(app)]
    while stack:
        cmd = stack.pop()
        stack.extend(getattr(cmd, "commands", {}).values())
        for p in cmd.params:
            if not getattr(p, "is_flag", False) and getattr(p, "opts", None) and p.param_type_name == "option":
                names.update(p.opts)
    return frozenset(names)


def run(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one command line in this process and return its exit code: what ``main`` does, minus the
    process-wide set-up (signal handlers, closed descriptors, the exit itself). Tests call this: it
    costs milliseconds where a new interpreter costs ~0.3 s. The global UI state and the TLS setting
    are reset per call, so one command's ``-q`` or ``--insecure`` never leaks into the next."""
    ui.STATE = ui.UI()
    tls.configure(False)
    pending_signals.clear()
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        return _dispatch(argv)


def _dispatch(argv: list[str]) -> int:
    # click handles its own usage errors (exit 2) in standalone mode; ours are
    # PerfscoreError, shown as one paragraph with their exit code.
    try:
        from typer.main import get_command

        command = get_command(app)  # built once: for the option table and to run
        command(args=ui.hoist_global_flags(list(argv), _value_options(command)), prog_name="perfscore")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except PerfscoreError as exc:
        from perfscore.sanitize import clean

        sys.stderr.write(f"perfscore: error: {clean(exc.message)}\n")
        return int(exc.exit_code)
    except Interrupted as exc:
        sys.stderr.write("\nperfscore: interrupted\n")
        return exc.exit_code
    except OSError as exc:  # standard output on a full disk or a closed pipe (`perfscore score … | head`)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the exit must not flush into the same error
        if exc.errno == errno.EPIPE:
            return 0
        sys.stderr.write(f"perfscore: error: input/output failed: {(exc.strerror or str(exc)).lower()}.\n")
        return int(ExitCode.USAGE)
    except Exception as exc:  # a bug: one clean line (no locals, no input echoed), the traceback on request
        from perfscore.sanitize import clean

        if os.environ.get("PERFSCORE_DEBUG") or ui.STATE.verbose:
            traceback.print_exc()
        sys.stderr.write(
            f"perfscore: internal error: {clean(type(exc).__name__ + ': ' + str(exc)[:300], oneline=True)} "
            "(a bug in perfscore; PERFSCORE_DEBUG=1 shows where)\n"
        )
        return int(ExitCode.INTERNAL)
    return 0


class _Diagnostics:
    """Standard error that cannot fail the command: on a full disk (2>/dev/full) or a closed pipe, the
    messages are lost but the exit code stays the command's own (not 1 from a traceback that cannot be
    printed, nor 120 from the interpreter's last flush)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            self._give_up()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            self._give_up()

    def _give_up(self) -> None:
        broken, self._stream = self._stream, open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        with contextlib.suppress(OSError, ValueError, AttributeError):  # its descriptor made /dev/null: what
            os.dup2(self._stream.fileno(), broken.fileno())  # it still buffers goes nowhere when it is closed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main() -> None:
    for name in ("stdout", "stderr"):  # started with a closed descriptor (`>&-`): write nowhere, not crash
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process
    sys.stderr = _Diagnostics(sys.stderr)  # type: ignore[assignment]
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # a closed terminal too: workers must not linger
        signal.signal(sig, _interrupt)
    _exit(run(sys.argv[1:]))


def _exit(code: int) -> None:
    """Exit now: a thread still blocked on a server that never stops sending must not hold the process
    (Python joins non-daemon threads at exit). Without such a thread, a normal exit runs the clean-ups."""
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if stuck:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)
