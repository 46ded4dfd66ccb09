"""Where MariaDB/MySQL logs, from its own variables (``SHOW GLOBAL VARIABLES``): pure.

``log_error`` empty or ``stderr`` means the service manager's journal; a relative path is under
``datadir``. The slow log is a file only when ``log_output`` includes FILE (TABLE is read by the
MySQL gatherer from ``mysql.slow_log``) and only worth reading when ``slow_query_log`` is ON.
"""

from __future__ import annotations

import os

VARIABLES = ("log_error", "slow_query_log", "slow_query_log_file", "log_output", "datadir")


def server_path(value: str, datadir: str) -> str:
    return os.path.normpath(value if os.path.isabs(value) else os.path.join(datadir or "/", value))


def log_files(variables: dict[str, str]) -> tuple[list[str], list[str]]:
    """(log file paths, notes on the logs that are not files or not known)."""
    files: list[str] = []
    notes: list[str] = []
    datadir = variables.get("datadir", "")
    err = variables.get("log_error")
    if err is None:
        notes.append("log_error could not be read")
    elif err in ("", "stderr", "/dev/stderr"):
        notes.append("log_error is stderr (the service manager's journal): no file to read")
    elif not os.path.isabs(err) and not datadir:
        notes.append(f"log_error {err!r} is relative and datadir could not be read")
    else:
        files.append(server_path(err, datadir))
    output = variables.get("log_output", "").upper()
    slow = variables.get("slow_query_log", "").upper()
    slow_file = variables.get("slow_query_log_file")
    if slow not in ("ON", "1"):
        notes.append("slow_query_log is off" if slow else "slow_query_log could not be read")
    elif "FILE" not in output.split(","):
        notes.append(f"the slow log goes to {output or 'an unknown place'} (log_output), not a file")
    elif not slow_file:
        notes.append("slow_query_log_file could not be read")
    elif not os.path.isabs(slow_file) and not datadir:
        notes.append(f"slow_query_log_file {slow_file!r} is relative and datadir could not be read")
    else:
        files.append(server_path(slow_file, datadir))
    return files, notes
