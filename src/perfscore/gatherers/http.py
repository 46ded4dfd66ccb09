"""A small HTTP client for gatherers: bounded in time and size, errors as reasons."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from perfscore.artifacts.http import BODY_LIMIT, HttpAnswer
from perfscore.gatherers.base import ProbeUnavailable
from perfscore.gatherers.clients import deadline

MAX_BODY = 2 * 1024 * 1024


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    ttfb_ms: float
    total_ms: float
    wire_bytes: int = 0  # the body as sent, before gzip/deflate was undone

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def answer(self, *, keep: int = BODY_LIMIT) -> HttpAnswer:
        """The snapshot form: the body kept up to ``keep`` bytes, cut at a line end; timings rounded."""
        body = self.body
        if len(body) > keep:
            cut = body.rfind(b"\n", 0, keep)
            body = body[: cut + 1 if cut > 0 else keep]
        return HttpAnswer(
            url=self.url,
            status=self.status,
            headers=self.headers,
            body=body.decode("utf-8", errors="replace"),
            body_bytes=len(self.body),
            wire_bytes=self.wire_bytes,
            truncated=len(body) < len(self.body),
            ttfb_ms=round(self.ttfb_ms, 3),
            total_ms=round(self.total_ms, 3),
        )


def reason_of(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout: no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, socket.gaierror):
        return "host name does not resolve"
    if isinstance(exc, ssl.SSLError):
        from perfscore.tls import explain

        return explain(exc, "the server")
    if isinstance(exc, http.client.HTTPException):
        return f"not a valid HTTP answer ({type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 5.0,
    user_agent: str = "perfscore",
) -> Response:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    hdrs = {"User-Agent": user_agent, "Accept-Encoding": "gzip", **(headers or {})}
    t0 = time.perf_counter()
    if parts.scheme == "https":
        from perfscore.tls import client_context

        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=client_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.connect()
        # ``timeout`` bounds the whole exchange, not each read: a server dripping a byte at a time
        # answers every read in time and would otherwise hold the probe (and the process) for ever.
        with deadline(conn.sock, timeout):
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            ttfb = time.perf_counter() - t0
            data = resp.read(MAX_BODY)
            total = time.perf_counter() - t0
        if total > timeout:
            raise TimeoutError
        merged: dict[str, str] = {}
        for k, v in resp.getheaders():
            k = k.lower()
            merged[k] = f"{merged[k]}, {v}" if k in merged else v
        body = _decoded(data, merged.get("content-encoding", ""))
        return Response(url, resp.status, merged, body, ttfb * 1000, total * 1000, wire_bytes=len(data))
    except (OSError, http.client.HTTPException) as exc:
        if time.perf_counter() - t0 >= timeout:  # the deadline shut the socket: a hang, not a reset
            raise ProbeUnavailable(f"{url}: timeout: no answer in {timeout:g}s") from None
        raise ProbeUnavailable(f"{url}: {reason_of(exc)}") from None
    except (UnicodeError, ValueError) as exc:  # a path or header http.client cannot send as is
        raise ProbeUnavailable(f"{url}: cannot be requested ({type(exc).__name__})") from None
    finally:
        conn.close()


def _decoded(data: bytes, encoding: str) -> bytes:
    """Undo gzip/deflate, bounded: a hostile server's zip bomb stops at MAX_BODY."""
    enc = encoding.lower().strip()
    if enc not in ("gzip", "x-gzip", "deflate"):
        return data
    try:
        d = zlib.decompressobj(wbits=(16 + zlib.MAX_WBITS) if "gzip" in enc else zlib.MAX_WBITS)
        return d.decompress(data, MAX_BODY)
    except zlib.error:
        return data


def join(base: str, path: str) -> str:
    return urljoin(base.rstrip("/") + "/", path.lstrip("/"))
