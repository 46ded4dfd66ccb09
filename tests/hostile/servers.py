"""Hostile protocol servers: MySQL, Redis and HTTP speakers that lie, flood, drip, hang and attack (stdlib only).

Each behaves as a real attacker or a badly broken server would, to check that perfscore keeps the
password, bounds its memory and time, and prints nothing a server controls (issue 12).

Use from Python:
    from tests.hostile.servers import start
    port, stop = start("mysql-cleartext")   # background thread on 127.0.0.1, ephemeral port
    ...
    stop()
    received = LOG["mysql-cleartext"]       # what the client sent (list of bytes / repr strings)

Or from a shell:
    python3 servers.py MODE PORT            # PORT 0: ephemeral, the chosen port is printed on stdout

Modes:
  mysql-cleartext     v10 handshake; login answered with AuthSwitchRequest to mysql_clear_password; records
                      what comes next (the password in clear if the client complies), then an ERR packet
                      with ANSI escapes, a fake score line and the password received.
  mysql-flood         handshake, any auth -> OK; every query answered with endless 16 MiB packets.
  mysql-8, mysql-5.6, mariadb-10
                      a greeting with that version; any login accepted, every statement recorded and answered
                      OK, but SET of a time-limit variable the version lacks is error 1193.
  mysql-err-ansi      login answered with an ERR packet with ANSI escapes and a fake score line.
  redis-hello         records every command (HELLO 3 AUTH ..., AUTH ...), answers each with an error with
                      ANSI escapes that echoes the command's arguments (the password, if sent).
  redis-bulk          answers any command with $3000000000\r\n then slow endless bytes.
  prom-echo-forms     a Prometheus that echoes the basic-auth token and password it was sent, in every encoded
                      form, in its build info, label values, warnings and error bodies.
  http-ok             a plain small HTML site (200 on /, 404 elsewhere): an HTTP target for audits.
  http-drip-asset     / links /app.css and /app.js; the first fetch of each asset is served whole, every
                      later fetch drips one byte every 5 s forever (HOSTILE_DRIP_FIRST=1: drip from the first).
  http-redirect-loop  / -> /a -> /b -> /a ... (302), every other path 302 to itself.
  http-silent         accepts connections, reads, never answers.
  http-chunk-endless  'HTTP/1.1 200 OK' + 'Transfer-Encoding: chunked' then an endless chunk-size line of 'f'.
  http-first-only     the first connection is answered (a pre-flight check passes), every later one hangs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

ANSI = "\x1b]0;pwned\x07\x1b[2J\x1b[31m score 100.00/100 gate passed\x1b[0m"
LOG: dict[str, list[object]] = {}
VERBOSE = False  # set by main(): as a script, print what clients send
_lock = threading.Lock()


def _record(mode: str, item: object) -> None:
    with _lock:
        LOG.setdefault(mode, []).append(item)
    if VERBOSE:
        sys.stderr.write(f"[hostile {mode}] received: {item!r}"[:2000] + "\n")
        sys.stderr.flush()


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


# ---------------------------------------------------------------- MySQL

CAPS = (
    0x00000001  # LONG_PASSWORD
    | 0x00000004  # LONG_FLAG
    | 0x00000008  # CONNECT_WITH_DB
    | 0x00000200  # PROTOCOL_41
    | 0x00002000  # TRANSACTIONS
    | 0x00008000  # SECURE_CONNECTION
    | 0x00010000  # MULTI_STATEMENTS
    | 0x00020000  # MULTI_RESULTS
    | 0x00080000  # PLUGIN_AUTH
    | 0x00200000  # PLUGIN_AUTH_LENENC_CLIENT_DATA
)


def _mysql_packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def _mysql_read(conn: socket.socket) -> tuple[int, bytes]:
    head = _recv_exact(conn, 4)
    n = head[0] | head[1] << 8 | head[2] << 16
    return head[3], _recv_exact(conn, n)


def _handshake(version: bytes = b"5.7.99-hostile") -> bytes:
    salt = b"abcdefghijklmnopqrst"  # 20 bytes
    return (
        b"\x0a"
        + version
        + b"\x00"
        + struct.pack("<I", 42)
        + salt[:8]
        + b"\x00"
        + struct.pack("<H", CAPS & 0xFFFF)
        + b"\x21"  # utf8_general_ci
        + struct.pack("<H", 0x0002)  # SERVER_STATUS_AUTOCOMMIT: the client need not send SET AUTOCOMMIT
        + struct.pack("<H", CAPS >> 16)
        + bytes([21])
        + b"\x00" * 10
        + salt[8:]
        + b"\x00"
        + b"mysql_native_password\x00"
    )


def _mysql_err(seq: int, msg: str, code: int = 1045) -> bytes:
    return _mysql_packet(seq, b"\xff" + struct.pack("<H", code) + b"#28000" + msg.encode("utf-8", "replace"))


def _mysql_ok(seq: int) -> bytes:
    return _mysql_packet(seq, b"\x00\x00\x00" + struct.pack("<H", 0x0002) + b"\x00\x00")


def _parse_login(payload: bytes) -> dict[str, bytes]:
    """user and auth data of a HandshakeResponse41 (best effort)."""
    try:
        pos = 4 + 4 + 1 + 23
        end = payload.index(b"\x00", pos)
        user = payload[pos:end]
        pos = end + 1
        n = payload[pos]
        auth = payload[pos + 1 : pos + 1 + n]
        return {"user": user, "auth": auth}
    except (ValueError, IndexError):
        return {"raw": payload[:200]}


def mysql_cleartext(conn: socket.socket, mode: str) -> None:
    conn.sendall(_mysql_packet(0, _handshake()))
    seq, login = _mysql_read(conn)
    _record(mode, ("login", _parse_login(login)))
    conn.sendall(_mysql_packet(seq + 1, b"\xfe" + b"mysql_clear_password\x00" + b"\x00"))
    seq, reply = _mysql_read(conn)
    password = reply.rstrip(b"\x00")
    _record(mode, ("cleartext", password))
    msg = f"{ANSI} Access denied; you sent {password.decode('utf-8', 'replace')}"
    conn.sendall(_mysql_err(seq + 1, msg))


def mysql_err_ansi(conn: socket.socket, mode: str) -> None:
    conn.sendall(_mysql_packet(0, _handshake()))
    seq, login = _mysql_read(conn)
    _record(mode, ("login", _parse_login(login)))
    conn.sendall(_mysql_err(seq + 1, f"{ANSI}\nperfscore: score 100/100 (all gates passed)\r\n"))


def mysql_rsa(conn: socket.socket, mode: str) -> None:
    """Switches to sha256_password and sends its own public key: a client that encrypts the password with it
    has given it to this server."""
    conn.sendall(_mysql_packet(0, _handshake()))
    seq, login = _mysql_read(conn)
    _record(mode, ("login", _parse_login(login)))
    conn.sendall(_mysql_packet(seq + 1, b"\xfe" + b"sha256_password\x00" + b"abcdefghijklmnopqrst\x00"))
    seq, ask = _mysql_read(conn)
    _record(mode, ("asked", ask))
    key = b"-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34Gkx\n-----END PUBLIC KEY-----\n"
    conn.sendall(_mysql_packet(seq + 1, b"\x01" + key))
    seq, secret = _mysql_read(conn)
    _record(mode, ("encrypted", secret))
    conn.sendall(_mysql_err(seq + 1, "Access denied"))


def mysql_err_huge(conn: socket.socket, mode: str) -> None:
    """An ERR packet of 1 MB in answer to the login: its text must not be copied into every metric."""
    conn.sendall(_mysql_packet(0, _handshake()))
    seq, login = _mysql_read(conn)
    _record(mode, ("login", _parse_login(login)))
    conn.sendall(_mysql_err(seq + 1, "Access denied " + "A" * (1024 * 1024)))


# The version each mode's greeting announces; the server has the statement time limit its version has.
MYSQL_VERSIONS = {"mysql-8": b"8.0.36", "mysql-5.6": b"5.6.51-log", "mariadb-10": b"5.5.5-10.11.6-MariaDB"}
MYSQL_LACKS = {
    "mysql-8": ("max_statement_time",),
    "mysql-5.6": ("max_statement_time", "max_execution_time"),
    "mariadb-10": ("max_execution_time",),
}


def mysql_versioned(conn: socket.socket, mode: str) -> None:
    """Any login is accepted; every statement is recorded and answered OK, but a session variable the
    version lacks (MAX_EXECUTION_TIME before MySQL 5.7.8, max_statement_time on MySQL) is error 1193."""
    version = MYSQL_VERSIONS[mode]
    conn.sendall(_mysql_packet(0, _handshake(version)))
    seq, login = _mysql_read(conn)
    _record(mode, ("login", _parse_login(login)))
    conn.sendall(_mysql_ok(seq + 1))
    while True:
        seq, packet = _mysql_read(conn)
        if packet[:1] == b"\x01":  # COM_QUIT
            return
        sql = packet[1:].decode("utf-8", "replace")
        _record(mode, ("query", sql))
        lacks = [v for v in MYSQL_LACKS[mode] if v in sql.lower()]
        if lacks:
            conn.sendall(_mysql_err(seq + 1, f"Unknown system variable '{lacks[0]}'", code=1193))
        else:
            conn.sendall(_mysql_ok(seq + 1))


def mysql_flood(conn: socket.socket, mode: str) -> None:
    conn.sendall(_mysql_packet(0, _handshake()))
    seq, login = _mysql_read(conn)
    _record(mode, ("login", _parse_login(login)))
    conn.sendall(_mysql_ok(seq + 1))
    seq, query = _mysql_read(conn)
    _record(mode, ("query", query[:200]))
    chunk = b"\x01" + b"A" * (0xFFFFFF - 1)
    s = 1
    while True:  # 0xFFFFFF-long packets: the client must keep reading and concatenating
        conn.sendall(struct.pack("<I", 0xFFFFFF)[:3] + bytes([s & 0xFF]) + chunk)
        s += 1


# ---------------------------------------------------------------- Redis


def _resp_read(f: Any) -> list[bytes] | None:
    line = f.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.strip().split()
    out = []
    for _ in range(int(line[1:])):
        n = int(f.readline()[1:])
        out.append(f.read(n + 2)[:-2])
    return out


def redis_hello(conn: socket.socket, mode: str) -> None:
    f = conn.makefile("rb")
    while True:
        cmd = _resp_read(f)
        if cmd is None:
            return
        _record(mode, ("command", cmd))
        echo = " ".join(a.decode("utf-8", "replace") for a in cmd).replace("\r", " ").replace("\n", " ")
        conn.sendall(f"-ERR {ANSI} unknown command, you said: {echo}\r\n".encode())


def redis_echo_forms(conn: socket.socket, mode: str) -> None:
    """Answers AUTH with the password it was sent in the spellings a log or a proxy may use: split by a
    control character, base64, URL-encoded and hex."""
    f = conn.makefile("rb")
    cmd = _resp_read(f)
    _record(mode, ("command", cmd))
    pw = (cmd or [b""])[-1]
    forms = echo_forms(pw)
    conn.sendall(b"-ERR wrong password: " + b" | ".join(forms) + b"\r\n")


def redis_bulk(conn: socket.socket, mode: str) -> None:
    f = conn.makefile("rb")
    cmd = _resp_read(f)
    _record(mode, ("command", cmd))
    conn.sendall(b"$3000000000\r\n")
    step = int(os.environ.get("HOSTILE_BULK_CHUNK", str(256 * 1024)))
    pause = float(os.environ.get("HOSTILE_BULK_PAUSE", "0.05"))
    block = b"x" * step
    while True:
        conn.sendall(block)
        time.sleep(pause)


# ---------------------------------------------------------------- HTTP

HTML = (
    b"<!doctype html><html><head><title>hostile</title>"
    b'<link rel="stylesheet" href="/app.css"><script src="/app.js"></script></head>'
    b"<body><h1>hello</h1>" + b"<p>filler</p>" * 20 + b"</body></html>"
)


def _http_read_request(conn: socket.socket, buf: bytearray) -> tuple[str, str] | None:
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
        if len(buf) > 1 << 20:
            return None
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    buf[:] = rest  # bodies are ignored (GET only is expected)
    first = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    if len(first) < 2:
        return None
    return first[0], first[1]


def _http_send(conn: socket.socket, status: str, body: bytes, ctype: str = "text/html", extra: str = "") -> None:
    conn.sendall(
        f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body
    )


_asset_fetches: dict[str, int] = {}

# A Prometheus that answers its API requests with something no HTTP client should choke on (issue #29).
_PROM_OK = b'{"status":"success","data":{"resultType":"scalar","result":[0,"1"]}}'
PROM_ANSWERS: dict[str, bytes] = {
    "prom-not-http": b"SSH-2.0-OpenSSH_9.6\r\n",
    "prom-http09": _PROM_OK,  # a body with no status line
    "prom-bad-status": b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}",
    "prom-bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "prom-huge-header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1 << 20) + b"\r\nContent-Length: 2\r\n\r\n{}",
    "prom-many-headers": b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n",
    "prom-deep-json": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400000\r\n\r\n"
    + b"[" * 200000
    + b"]" * 200000,
}


def prom_malformed(conn: socket.socket, mode: str) -> None:
    buf = bytearray()
    req = _http_read_request(conn, buf)
    _record(mode, ("request", req))
    conn.sendall(PROM_ANSWERS[mode])


def prom_drip(conn: socket.socket, mode: str) -> None:
    """A whole, valid answer, one byte every HOSTILE_DRIP_S seconds: each read is quick, the exchange endless."""
    req = _http_read_request(conn, bytearray())
    _record(mode, ("request", req))
    pause = float(os.environ.get("HOSTILE_DRIP_S", "0.3"))
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(_PROM_OK), _PROM_OK):
        conn.sendall(bytes([byte]))
        time.sleep(pause)


def echo_forms(secret: bytes) -> list[bytes]:
    """The spellings a log, a proxy or an error page may echo a password in: split by a control character,
    base64 (standard, URL-safe unpadded), URL-encoded (%XX and +), hex (either case)."""
    import base64
    import urllib.parse

    mid = len(secret) // 2
    return [
        secret[:mid] + b"\x01" + secret[mid:],
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
        urllib.parse.quote_from_bytes(secret, safe="").encode(),
        urllib.parse.quote_plus(secret.decode("utf-8", "replace"), safe="").encode(),
        secret.hex().encode(),
        secret.hex().upper().encode(),
    ]


def prom_echo_forms(conn: socket.socket, mode: str) -> None:
    """A Prometheus that echoes the basic-auth credentials it was sent (the header's token as is, and the
    password decoded from it, in every form of ``echo_forms``) in each of its answers: the build info's
    error page, label values and warnings of a successful query, a 422's JSON error and a 500's text page.
    The credentials check (``query=1``) succeeds, so an audit goes on to ask the rest."""
    import base64
    import json

    buf = bytearray()
    while True:
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
        head, _, rest = bytes(buf).partition(b"\r\n\r\n")
        buf[:] = rest
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "/"
        token = next((h.split(" ", 2)[2] for h in lines[1:] if h.lower().startswith("authorization: basic ")), "")
        _record(mode, ("request", path, token))
        password = base64.b64decode(token).partition(b":")[2] if token else b""
        said = " | ".join(f.decode("utf-8", "replace") for f in [token.encode(), password, *echo_forms(password)])
        with _lock:
            _connections[mode] = n = _connections.get(mode, 0) + 1
        if path == "/api/v1/query?query=1":
            status, body = "200 OK", _PROM_OK.decode()
        elif path.startswith("/api/v1/status/buildinfo"):  # what config check asks
            status, body = "500 Internal Server Error", f"build info unavailable for {said}"
        elif n % 3 == 0:
            status, body = "422 Unprocessable Entity", json.dumps({"status": "error", "error": f"bad query: {said}"})
        elif n % 3 == 1:
            status, body = "500 Internal Server Error", f"upstream said {said}"
        else:
            result = [{"metric": {"instance": said, "job": said}, "value": [time.time(), "1"]}]
            doc = {"status": "success", "warnings": [said], "data": {"resultType": "vector", "result": result}}
            status, body = "200 OK", json.dumps(doc)
        _http_send(conn, status, body.encode(), ctype="application/json")


def http_server_loop(conn: socket.socket, mode: str) -> None:
    buf = bytearray()
    while True:
        req = _http_read_request(conn, buf)
        if req is None:
            return
        method, path = req
        _record(mode, ("request", method, path))
        if mode == "http-redirect-ipv6":
            _http_send(conn, "302 Found", b"", extra="Location: http://[::1/x\r\n")
            continue
        if mode == "http-redirect-control":  # every path to a Location with a terminal escape in it
            _http_send(conn, "302 Found", b"", extra="Location: /\x1b]0;pwned\x07x\r\n")
            continue
        if mode == "http-bad-link" and path.split("?")[0] == "/":
            page = b'<html><body><img src="//[::1/x.png"><a href="/backup.sql">b</a></body></html>'
            _http_send(conn, "200 OK", page)
            continue
        if mode == "http-redirect-loop":
            target = {"/": "/a", "/a": "/b", "/b": "/a"}.get(path.split("?")[0], path)
            _http_send(conn, "302 Found", b"", extra=f"Location: {target}\r\n")
            continue
        p = path.split("?")[0]
        if mode == "http-slow":  # every answer takes 0.4 s: a run's end always finds requests in flight
            time.sleep(0.4)
        if p == "/":
            _http_send(conn, "200 OK", HTML if mode == "http-drip-asset" else b"<html><body>ok</body></html>")
            continue
        if mode == "http-drip-asset" and p in ("/app.css", "/app.js"):
            with _lock:
                _asset_fetches[p] = _asset_fetches.get(p, 0) + 1
                n = _asset_fetches[p]
            ctype = "text/css" if p.endswith("css") else "application/javascript"
            if n == 1 and not os.environ.get("HOSTILE_DRIP_FIRST"):
                _http_send(conn, "200 OK", b"/* asset */" + b" " * 2000, ctype=ctype)
                continue
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: 100000\r\n\r\n".encode())
            while True:  # forever: a byte every 2 s, more often than the audit's 3 s read timeout
                conn.sendall(b" ")
                time.sleep(2)
        _http_send(conn, "404 Not Found", b"not found")


def http_silent(conn: socket.socket, mode: str) -> None:
    while True:
        data = conn.recv(65536)
        if not data:
            return
        _record(mode, ("bytes", len(data)))


def http_chunk_endless(conn: socket.socket, mode: str) -> None:
    buf = bytearray()
    req = _http_read_request(conn, buf)
    if req is None:
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"f" * 65536
    while True:
        conn.sendall(block)


_connections: dict[str, int] = {}


def http_first_only(conn: socket.socket, mode: str) -> None:
    """The first connection (perfscore's pre-flight check) is answered; every later one hangs."""
    with _lock:
        _connections[mode] = n = _connections.get(mode, 0) + 1
    if n == 1:
        http_server_loop(conn, "http-ok")
    else:
        http_silent(conn, mode)


HANDLERS = {
    "mysql-cleartext": mysql_cleartext,
    "mysql-flood": mysql_flood,
    "mysql-err-ansi": mysql_err_ansi,
    **dict.fromkeys(MYSQL_VERSIONS, mysql_versioned),
    "redis-hello": redis_hello,
    "redis-bulk": redis_bulk,
    "http-ok": http_server_loop,
    "http-slow": http_server_loop,
    "http-drip-asset": http_server_loop,
    "http-redirect-loop": http_server_loop,
    "http-silent": http_silent,
    "http-chunk-endless": http_chunk_endless,
    "http-first-only": http_first_only,
    "http-redirect-ipv6": http_server_loop,
    "http-redirect-control": http_server_loop,
    "http-bad-link": http_server_loop,
    "mysql-err-huge": mysql_err_huge,
    "mysql-rsa": mysql_rsa,
    "redis-echo-forms": redis_echo_forms,
    "prom-drip": prom_drip,
    "prom-echo-forms": prom_echo_forms,
    **dict.fromkeys(PROM_ANSWERS, prom_malformed),
}


def _serve_conn(conn: socket.socket, mode: str) -> None:
    try:
        HANDLERS[mode](conn, mode)
    except (OSError, ConnectionError, ValueError):
        pass
    finally:
        with contextlib.suppress(OSError):
            conn.close()


def start(mode: str, port: int = 0, host: str = "127.0.0.1") -> tuple[int, Callable[[], None]]:
    """Serve ``mode`` in a background thread; return (port, stop)."""
    if mode not in HANDLERS:
        raise ValueError(f"unknown mode {mode!r}; one of {', '.join(HANDLERS)}")
    with _lock:  # each start is a fresh server: nothing recorded or counted by an earlier one
        LOG.pop(mode, None)
        _connections.pop(mode, None)
        _asset_fetches.clear()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(512)
    stopped = threading.Event()
    conns: list[socket.socket] = []

    def accept_loop() -> None:
        while not stopped.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=_serve_conn, args=(conn, mode), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True, name=f"hostile-{mode}").start()

    def stop() -> None:
        stopped.set()
        with contextlib.suppress(OSError):
            srv.shutdown(socket.SHUT_RDWR)
        srv.close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass

    return srv.getsockname()[1], stop


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in HANDLERS:
        sys.stderr.write(f"usage: {argv[0]} MODE PORT   (MODE: {', '.join(HANDLERS)})\n")
        return 2
    global VERBOSE
    VERBOSE = True
    port, stop = start(argv[1], int(argv[2]))
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
