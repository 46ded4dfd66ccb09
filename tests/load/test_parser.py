from __future__ import annotations

import pytest

from perfscore.load.protocol import ProtocolError, ResponseParser


def collect() -> tuple[ResponseParser, list[tuple[int, bool, list[bytes] | None]]]:
    got: list[tuple[int, bool, list[bytes] | None]] = []
    return ResponseParser(lambda s, c, k: got.append((s, c, k))), got


def test_content_length_split_across_reads() -> None:
    p, got = collect()
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
    for i in range(0, len(data), 7):
        p.feed(data[i : i + 7])
    assert [g[0] for g in got] == [200, 404]


def test_chunked_with_extensions_and_trailers() -> None:
    p, got = collect()
    p.feed(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: sid=abc; path=/\r\n\r\n"
        b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    assert got == [(200, False, [b"sid=abc"])]


def test_no_body_statuses_and_connection_close() -> None:
    p, got = collect()
    p.feed(b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n")
    assert got == [(204, False, None), (304, True, None)]


def test_body_until_close() -> None:
    p, got = collect()
    p.feed(b"HTTP/1.0 200 OK\r\n\r\nsome body")
    assert got == []
    assert p.eof() and got[0][0] == 200 and got[0][1] is True


@pytest.mark.parametrize(
    "junk", [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 abc OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"]
)
def test_garbage_is_a_protocol_error(junk: bytes) -> None:
    p, _ = collect()
    with pytest.raises(ProtocolError):
        p.feed(junk)


def test_oversized_head_is_refused() -> None:
    p, _ = collect()
    with pytest.raises(ProtocolError):
        p.feed(b"HTTP/1.1 200 OK\r\n" + b"X: " + b"a" * 70000)
