"""Running a server's own binary to ask it about its configuration: who may be run, and how.

perfscore may run as root, so it runs only the binary of the process it found (``/proc/PID/exe``),
owned by root and writable by nobody else, of a process root or perfscore's own user runs, in
perfscore's own mount namespace; with a timeout and a cap on what it reads. The output is parsed, never
echoed: a configuration dump holds passwords (FPM's ``env[...]``, nginx's ``proxy_set_header``).
"""

from __future__ import annotations

import os
import subprocess
import threading

RUN_TIMEOUT_S = 10.0
OUTPUT_CAP = 8 * 1024 * 1024  # a configuration dump larger than this is cut (and said so)


def refuse(pid: int, owner: int, exe: str) -> str | None:
    """Why the binary ``exe`` of process ``pid`` (run by ``owner``) must not be run by perfscore, if it must not."""
    try:
        if os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt"):
            return "runs in another mount namespace (a container): its binary and configuration are not readable here"
    except OSError:
        pass  # no /proc namespaces (not Linux): the ownership checks below still hold
    if owner not in (0, os.getuid()):
        return f"runs as user {owner}, neither root nor perfscore's user: its binary is not run"
    try:
        st = os.stat(exe)
    except OSError as exc:
        return f"its binary {exe} cannot be read ({exc.strerror})"
    if st.st_uid != 0 or st.st_mode & 0o022:
        return f"its binary {exe} is not root-owned and write-protected: not run"
    return None


def run_capped(
    cmd: list[str], errors: list[str], timeout: float = RUN_TIMEOUT_S, cap: int = OUTPUT_CAP
) -> tuple[str, str] | None:
    """(stdout, stderr) of ``cmd``, each read up to ``cap`` bytes, or None with the reason in ``errors``.

    The reason names the binary and its first argument only: the other arguments are paths of the
    server's configuration, and its output is never repeated.
    """
    what = " ".join(cmd[:2])
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        errors.append(f"{what}: {exc.strerror or type(exc).__name__}")
        return None
    out: dict[str, bytes] = {}
    cut: list[str] = []

    def read(name: str, stream: object) -> None:
        data = stream.read(cap)  # type: ignore[attr-defined]
        if stream.read(1):  # type: ignore[attr-defined]
            cut.append(name)
            proc.kill()
        out[name] = data

    readers = [
        threading.Thread(target=read, args=(n, s), daemon=True) for n, s in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for t in readers:
        t.start()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        errors.append(f"{what}: no answer in {timeout:g}s")
        return None
    finally:
        for t in readers:
            t.join(1.0)
    if cut:
        errors.append(f"{what}: more than {cap // (1024 * 1024)} MB of output, not read")
        return None
    stdout, stderr = (out.get(k, b"").decode("utf-8", "replace") for k in ("out", "err"))
    if proc.returncode != 0:
        last = (stderr.strip().splitlines() or ["no output"])[-1][:200]
        errors.append(f"{what} failed: {last}")
        return None
    return stdout, stderr
