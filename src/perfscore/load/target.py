"""Check a load target before any traffic: loopback only, reachable, speaks HTTP (over TLS for https://)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from typing import NamedTuple

from perfscore.errors import ExitCode, PerfscoreError
from perfscore.urls import split_url


class Url(NamedTuple):
    host: str
    port: int
    host_header: str
    path: str  # path and query
    tls: bool


def parse_url(url: str) -> Url:
    """Split an http:// or https:// load URL (credentials, spaces and control characters refused)."""
    from perfscore.sanitize import clean

    try:
        parts, port = split_url(url, ("http", "https"), 80)
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
    return Url(parts.hostname or "", port, host_header, path, parts.scheme.lower() == "https")


def is_loopback(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback for i in infos)


class SchemeProblem(PerfscoreError):
    """The URL's scheme does not fit the server: a TLS handshake that fails, or the wrong one of http/https."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.UNREACHABLE)


def check_target(
    host: str, port: int, host_header: str, allow_remote: bool, tls: bool = False, insecure: bool = False,
    timeout: float = 3.0, headers: dict[str, str] | None = None,
) -> None:  # fmt: skip
    """Refuse a remote target unless allowed; fail clearly if it does not answer HTTP (over TLS if asked).
    ``headers``: the target's own (a session cookie), which every request to the app carries."""
    if not allow_remote and not is_loopback(host):
        raise PerfscoreError(
            f"{host} is not a loopback address. Load tests target this machine only unless you pass "
            "--allow-remote (and own the target)."
        )
    first = _first_answer(host, port, host_header, tls, insecure, timeout, headers)
    if not first.startswith(b"HTTP/1."):
        said = f"it answered {first[:12]!r}" if first else "it closed the connection without an answer"
        raise PerfscoreError(f"{_where(host, port)} does not speak HTTP/1.x ({said}).", ExitCode.UNREACHABLE)


def check_scheme(
    host: str,
    port: int,
    host_header: str,
    tls: bool,
    insecure: bool,
    timeout: float = 3.0,
    headers: dict[str, str] | None = None,
) -> None:
    """For an audit: raise SchemeProblem when the scheme does not fit the server (every probe would fail the
    same way); a server that does not answer at all is left to the probes to report. ``headers``: the
    target's (a session cookie), which every request to the app carries."""
    try:
        _first_answer(host, port, host_header, tls, insecure, timeout, headers)
    except SchemeProblem:
        raise
    except PerfscoreError:
        return


def _where(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _first_answer(
    host: str,
    port: int,
    host_header: str,
    tls: bool,
    insecure: bool,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> bytes:
    """The first bytes of the answer to a GET / (over TLS if ``tls``)."""
    from perfscore.tls import client_context, explain

    where = _where(host, port)
    phase = "connect"
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            raw.settimeout(timeout)
            phase = "handshake"
            s = client_context(insecure).wrap_socket(raw, server_hostname=host) if tls else raw
            phase = "request"
            extra = "".join(
                f"{k}: {v}\r\n"
                for k, v in (headers or {}).items()
                if k.lower() not in ("host", "connection", "content-length") and not set(k + v) & {"\r", "\n"}
            )
            agent = "" if any(k.lower() == "user-agent" for k in headers or {}) else "User-Agent: perfscore-load\r\n"
            s.sendall(f"GET / HTTP/1.1\r\nHost: {host_header}\r\n{agent}{extra}Connection: close\r\n\r\n".encode())
            first = s.recv(512)
    except TimeoutError:
        if phase == "handshake":
            raise SchemeProblem(
                f"{where} did not answer the TLS handshake within {timeout:g}s (a plain-HTTP server behind an "
                "https:// URL?)."
            ) from None
        said = "sent nothing" if phase == "request" else "did not accept the connection"
        raise PerfscoreError(f"{where} {said} within {timeout:g}s.", ExitCode.UNREACHABLE) from None
    except ssl.SSLError as exc:
        raise SchemeProblem(explain(exc, where) + ".") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PerfscoreError(f"cannot connect to {where}: {reason}.", ExitCode.UNREACHABLE) from None
    if not tls and (b"HTTPS port" in first or first[:1] in (b"\x15", b"\x16") or not first and _speaks_tls(host, port)):
        # nginx's answer to plain HTTP on its TLS port; a TLS alert or handshake record; a silent close
        raise SchemeProblem(f"{where} speaks TLS: use an https:// URL.")
    return first


def _speaks_tls(host: str, port: int, timeout: float = 3.0) -> bool:
    from perfscore.tls import client_context

    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            client_context(insecure=True).wrap_socket(raw, server_hostname=host),
        ):
            return True
    except OSError:  # ssl.SSLError is one
        return False
