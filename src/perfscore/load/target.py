"""Check a load target before any traffic: loopback only, reachable, speaks HTTP."""

from __future__ import annotations

import ipaddress
import socket

from perfscore.errors import ExitCode, PerfscoreError


def parse_url(url: str) -> tuple[str, int, str, str]:
    """Return (host, port, host header, path+query) of an http:// URL."""
    from perfscore.config import split_url
    from perfscore.sanitize import clean

    if url.lower().startswith("https://"):
        raise PerfscoreError("https is not supported by the load engine; point it at the plain-HTTP listener.")
    try:
        parts, port = split_url(url, ("http",), 80)
    except ValueError as exc:
        raise PerfscoreError(f"{clean(url, oneline=True)[:200]!r}: {exc}.") from None
    if parts.username is not None or parts.password is not None:
        raise PerfscoreError("the URL holds credentials (user:password@): the load engine does not send them.")
    if any(ch.isspace() or not ch.isprintable() for ch in parts.path + parts.query):
        raise PerfscoreError("the URL's path holds spaces or control characters: encode them (%20 …).")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return parts.hostname or "", port, host_header, path


def is_loopback(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback for i in infos)


def check_target(host: str, port: int, host_header: str, allow_remote: bool, timeout: float = 3.0) -> None:
    if not allow_remote and not is_loopback(host):
        raise PerfscoreError(
            f"{host} is not a loopback address. Load tests target this machine only unless you pass "
            "--allow-remote (and own the target)."
        )
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(
                f"GET / HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: perfscore-load\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            first = s.recv(16)
    except TimeoutError:
        raise PerfscoreError(
            f"{host}:{port} accepted the connection but sent nothing within {timeout:g}s.", ExitCode.UNREACHABLE
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PerfscoreError(f"cannot connect to {host}:{port}: {reason}.", ExitCode.UNREACHABLE) from None
    if not first.startswith(b"HTTP/1."):
        said = f"it answered {first[:12]!r}" if first else "it closed the connection without an answer"
        raise PerfscoreError(f"{host}:{port} does not speak HTTP/1.x ({said}).", ExitCode.UNREACHABLE)
