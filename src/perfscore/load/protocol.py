"""A minimal, fast HTTP/1.1 keep-alive client protocol for asyncio.

Built on ``asyncio.Protocol`` (no streams, no per-request objects) because
the engine must outrun the server it measures: a raw protocol on uvloop runs
at about wrk's rate on this machine, aiohttp at a quarter of it (DESIGN §6).
It parses only what the measurement needs: status, framing (Content-Length
or chunked), ``Connection: close`` and ``Set-Cookie``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

MAX_HEAD = 64 * 1024
MAX_LINE = 8 * 1024  # a chunk-size or trailer line; a server sending an endless one is a protocol error


class ProtocolError(Exception):
    pass


def _chunk_size(line: bytes) -> int:
    """A chunk-size line's size (hex, any ``;extension`` ignored)."""
    try:
        return int(line.split(b";", 1)[0].strip(), 16)
    except ValueError:
        raise ProtocolError("bad chunk size") from None


class ResponseParser:
    """Incremental parser for a stream of HTTP/1.1 responses on one connection."""

    __slots__ = (
        "buf",
        "state",
        "remaining",
        "status",
        "close",
        "explicit_close",
        "cookies",
        "on_response",
        "head_request",
    )

    def __init__(self, on_response: Callable[[int, bool, list[bytes] | None], None]) -> None:
        self.buf = b""
        self.state = 0  # 0 head, 1 body by length, 2 chunk size, 3 chunk data, 4 trailers, 5 until close
        self.remaining = 0
        self.status = 0
        self.close = False
        self.explicit_close = False
        self.cookies: list[bytes] | None = None
        self.on_response = on_response
        self.head_request = False

    def feed(self, data: bytes) -> None:
        # Searches resume where the last feed stopped (less a delimiter's length): a head or line
        # that arrives a byte at a time costs linear time, not quadratic.
        scan = max(0, len(self.buf) - 3)
        buf = self.buf + data if self.buf else data
        while True:
            state = self.state
            if state == 0:
                i = buf.find(b"\r\n\r\n", scan)
                if i < 0:
                    self._wait(buf, MAX_HEAD, "response head too large")
                    return
                scan = 0
                head = buf[:i]
                buf = buf[i + 4 :]
                if self._begin(head):
                    continue
                state = self.state
            if state == 1 or state == 3:
                # A length-framed body, or one chunk's data and CRLF: consume `remaining` bytes.
                n = len(buf)
                if n < self.remaining:
                    self.remaining -= n
                    self.buf = b""
                    return
                buf = buf[self.remaining :]
                if state == 1:
                    self._done()
                else:
                    self.state = 2
                continue
            if state == 2:
                i = buf.find(b"\r\n", scan)
                if i < 0:
                    self._wait(buf, MAX_LINE, "chunk-size line too long")
                    return
                scan = 0
                size = _chunk_size(buf[:i])
                buf = buf[i + 2 :]
                if size == 0:
                    self.state = 4
                else:
                    self.remaining = size + 2
                    self.state = 3
                continue
            if state == 4:
                i = buf.find(b"\r\n", scan)
                if i < 0:
                    self._wait(buf, MAX_LINE, "trailer line too long")
                    return
                scan = 0
                buf = buf[i + 2 :]
                if i == 0:
                    self._done()
                continue
            # state 5: body runs until the server closes the connection
            self.buf = b""
            return

    def _wait(self, buf: bytes, limit: int, too_long: str) -> None:
        """Keep an incomplete head or line for the next feed; past ``limit`` bytes it is a protocol error."""
        if len(buf) > limit:
            raise ProtocolError(too_long)
        self.buf = buf

    def _begin(self, head: bytes) -> bool:
        """Start a response from its head; True when there is no body to read (an interim 1xx, whose real
        response follows, or a response already done), False when the body follows in ``self.state``."""
        if head[:5] != b"HTTP/":
            raise ProtocolError("not an HTTP response")
        try:
            self.status = status = int(head[9:12])
        except ValueError:
            raise ProtocolError("bad status line") from None
        self._headers(head)
        if 100 <= status < 200:
            return True  # interim response: the real one follows
        if self.head_request or status in (204, 304):
            self.close = self.explicit_close  # no body, so no read-until-close
            self._done()
            return True
        if self.state == 1 and self.remaining == 0:
            self._done()
            return True
        return False

    def _headers(self, head: bytes) -> None:
        self.close = False
        self.cookies = None
        lower = head.lower()
        j = lower.find(b"\r\ncontent-length:")
        if j >= 0:
            end = lower.find(b"\r\n", j + 2)
            value = head[j + 17 : end if end >= 0 else len(head)]
            try:
                self.remaining = int(value)
            except ValueError:
                raise ProtocolError("bad Content-Length") from None
            self.state = 1
        elif b"\r\ntransfer-encoding:" in lower and b"chunked" in lower:
            self.state = 2
        else:
            self.state = 5
            self.close = True
        self.explicit_close = b"\r\nconnection: close" in lower
        if self.explicit_close:
            self.close = True
        if b"\r\nset-cookie:" in lower:
            cookies = []
            for line in head.split(b"\r\n")[1:]:
                if line[:11].lower() == b"set-cookie:":
                    cookies.append(line[11:].split(b";", 1)[0].strip())
            self.cookies = cookies

    def _done(self) -> None:
        self.state = 0
        self.remaining = 0
        self.on_response(self.status, self.close, self.cookies)

    def eof(self) -> bool:
        """The server closed: complete a read-until-close body. True if a response ended."""
        if self.state == 5:
            self._done()
            return True
        return False


class ClientProtocol(asyncio.Protocol):
    __slots__ = ("parser", "transport", "owner", "counter")

    def __init__(self, owner: ConnectionOwner, counter: list[int] | None = None) -> None:
        self.owner = owner
        self.parser = ResponseParser(owner.on_response)
        self.transport: asyncio.Transport | None = None
        self.counter = counter if counter is not None else [0]  # bytes received, shared by a worker's connections

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.owner.on_connected(self)

    def data_received(self, data: bytes) -> None:
        self.counter[0] += len(data)
        try:
            self.parser.feed(data)
        except ProtocolError as exc:
            self.owner.on_protocol_error(str(exc))
            if self.transport is not None:
                self.transport.abort()

    def eof_received(self) -> bool | None:
        self.parser.eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.on_lost(self, exc)


class ConnectionOwner:
    """Callbacks a protocol reports to (implemented by the virtual user)."""

    def on_connected(self, proto: ClientProtocol) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def on_response(self, status: int, close: bool, cookies: list[bytes] | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def on_protocol_error(self, message: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def on_lost(self, proto: ClientProtocol, exc: Exception | None) -> None:  # pragma: no cover
        raise NotImplementedError
