"""Database clients that a hostile server cannot use against perfscore.

PyMySQL and redis-py trust the server they talk to: PyMySQL answers a request
for ``mysql_clear_password`` (or MariaDB's PAM ``dialog``) with the password
in clear over a plain TCP connection, and either will keep reading for as long
as the server keeps sending (endless 16 MiB packets, a bulk string announced
at 3 GB). The probe deadline used to abandon such a thread, which kept
reading. Here:

- a MySQL server asking for the password in clear over an unencrypted
  connection is refused (``mysql.allow_cleartext_password: true`` allows it,
  for a PAM/LDAP setup you trust);
- Redis gets ``AUTH <password>`` only when a password is configured, over
  RESP2 (no ``HELLO 3 AUTH default …`` with a user name nobody configured);
- every answer is capped in bytes (MAX_ANSWER) and every statement or
  command in wall time (the read stops, it is not abandoned);
- ``shutdown`` stops a read in progress from another thread: the runner calls
  it when a gatherer's deadline passes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

MAX_ANSWER = 32 * 1024 * 1024  # bytes of one answer; perfscore's largest (SHOW GLOBAL STATUS, digests) is < 1 MiB


KILL_WAIT_S = 1.0  # how long the deadline waits for the server to take a KILL QUERY before shutting the socket
SERVER_LIMIT_SHARE = 0.9  # the server's own limit a little before perfscore's deadline: it answers, cleanly, first


def _quietly(action: Callable[[], None]) -> None:
    with contextlib.suppress(Exception):
        action()


def _for_at_most(action: Callable[[], None], seconds: float) -> None:
    """Run ``action`` on a thread of its own, waiting for it ``seconds`` at most (its errors swallowed): a
    server slow to take a KILL QUERY delays what follows that long, no longer."""
    worker = threading.Thread(target=_quietly, args=(action,), daemon=True)
    worker.start()
    worker.join(seconds)


def shutdown(sock: socket.socket | None) -> None:
    """End any blocking read on ``sock`` now (safe from another thread, and on a closed socket)."""
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def deadline(sock: socket.socket | None, seconds: float, before: Callable[[], None] | None = None) -> Iterator[None]:
    """Within the block, reads on ``sock`` end at ``seconds``: a server that drips one byte at a time
    defeats a socket timeout (each byte arrives in time), not this. ``before`` runs first, at the deadline
    (a MySQL statement is killed on the server before its socket is shut)."""

    lock = threading.Lock()
    active = [True]  # the block still runs: once it ends, nothing of the deadline's may touch the connection

    def expire() -> None:
        with lock:
            if not active[0]:
                return
        if before is not None:  # a server slow to take the KILL delays the shutdown 1 s at most
            _for_at_most(before, KILL_WAIT_S)
        with lock:
            if active[0]:
                shutdown(sock)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            active[0] = False
        timer.cancel()


def stop_statement(conn: Any) -> None:
    """Stop ``conn``'s statement on the server (``KILL QUERY`` from a second connection, 1 s at most),
    then end its read: the runner calls it when a gatherer overran its deadline or perfscore is
    interrupted, so no statement of perfscore's runs on after it stopped reading."""
    kill = getattr(conn, "kill_running", None)
    if kill is not None:
        _for_at_most(kill, KILL_WAIT_S)
    shutdown(mysql_socket(conn))


def mysql_connect(
    *,
    host: str,
    port: int,
    user: str,
    password: str,
    database: str | None,
    connect_timeout: float,
    read_timeout: float,
    allow_cleartext: bool = False,
    kill_at_deadline: bool = True,
    limit_statements: bool = True,
) -> Any:
    """A PyMySQL connection whose reads are capped in bytes and in time per statement, each statement
    limited on the server too and killed there at perfscore's deadline."""
    import pymysql
    import pymysql.connections

    # PyMySQL's private reading API is what needs bounding: typed as Any, it is checked by the tests.
    connection: Any = pymysql.connections.Connection

    class _Refuse:
        """Auth plugin handler for plugins that send the password as is (clear text, PAM dialog)."""

        def __init__(self, conn: Any) -> None:
            self.conn = conn

        def authenticate(self, pkt: Any) -> Any:
            raise pymysql.err.OperationalError(
                2059,
                "the server asked for the password in clear text over an unencrypted connection; perfscore "
                "refused (set mysql.allow_cleartext_password: true if this server really uses PAM/LDAP)",
            )

    class _Bounded(connection):  # type: ignore[misc]
        _budget_bytes = MAX_ANSWER
        _kills = kill_at_deadline

        _querying = False

        def query(self, sql: Any, unbuffered: bool = False) -> Any:
            self._budget_bytes = MAX_ANSWER
            self._querying = True
            try:
                with deadline(self._sock, read_timeout, before=self._kill):
                    return super().query(sql, unbuffered)
            finally:
                self._querying = False

        def kill_running(self) -> None:
            """``KILL QUERY`` for the statement in progress, if one is (from another thread)."""
            if self._querying:
                self._kill()

        def _kill(self) -> None:
            """At perfscore's deadline the statement is stopped on the server too (``KILL QUERY`` from a
            second connection), not left running after perfscore stopped reading."""
            victim = self.thread_id() if self._kills and self.server_thread_id else None
            if not isinstance(victim, int):
                return
            killer = mysql_connect(
                host=host,
                port=port,
                user=user,
                password=password,
                database=None,
                connect_timeout=connect_timeout,
                read_timeout=connect_timeout,
                allow_cleartext=allow_cleartext,
                kill_at_deadline=False,
                limit_statements=False,  # the killer sends its KILL and nothing else
            )
            try:
                with killer.cursor() as cur:
                    cur.execute(f"KILL QUERY {victim:d}")
            finally:
                killer.close()

        def _read_bytes(self, num_bytes: int) -> Any:
            self._budget_bytes -= num_bytes
            if self._budget_bytes < 0:
                self._force_close()
                raise pymysql.err.OperationalError(
                    2020, f"the server sent more than {MAX_ANSWER // (1024 * 1024)} MiB in one answer; stopped reading"
                )
            return super()._read_bytes(num_bytes)

    _guard_rsa(allow_cleartext)
    refused: dict[str, Any] = {} if allow_cleartext else {"mysql_clear_password": _Refuse, "dialog": _Refuse}
    conn = _Bounded(
        host=host,
        port=port,
        user=user,
        password=password,
        database=database,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        write_timeout=connect_timeout,
        autocommit=True,
        charset="utf8mb4",
        auth_plugin_map=refused,
        defer_connect=True,
    )
    # The handshake too: a server that never finishes its greeting is cut off at connect_timeout.
    sock = socket.create_connection((host, port), timeout=connect_timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with deadline(sock, connect_timeout + read_timeout):
        conn.connect(sock)
    if limit_statements:
        _limit_statements(conn, read_timeout * SERVER_LIMIT_SHARE)
    return conn


def _limit_statements(conn: Any, seconds: float) -> None:
    """Every statement of this session carries the server's own time limit: MariaDB's
    ``max_statement_time`` (seconds, any statement), MySQL's ``MAX_EXECUTION_TIME`` (ms, SELECTs). A server
    without either (MySQL before 5.7.8) keeps perfscore's deadline and its KILL QUERY alone."""
    import pymysql

    mariadb = "mariadb" in str(conn.get_server_info()).lower()
    statement = (
        f"SET SESSION max_statement_time = {seconds:.3f}"
        if mariadb
        else f"SET SESSION MAX_EXECUTION_TIME = {max(1, round(seconds * 1000))}"
    )
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    except pymysql.err.OperationalError as exc:
        if exc.args and exc.args[0] in (2006, 2013, 2014):  # the connection itself failed: say so now
            raise
    except pymysql.err.MySQLError:
        pass  # a server without the variable keeps perfscore's deadline and its KILL QUERY


def _guard_rsa(allowed: bool) -> None:
    """caching_sha2_password's full authentication and sha256_password over plain TCP encrypt the password with
    a public key the *server* sends: a hostile server sends its own and decrypts it (why the mysql client's
    --get-server-public-key is off by default). PyMySQL has one place that does it; it refuses unless allowed."""
    import pymysql
    import pymysql._auth as auth

    original = getattr(auth, "_perfscore_original_rsa", None) or auth.sha2_rsa_encrypt
    auth._perfscore_original_rsa = original  # type: ignore[attr-defined]

    def refuse(password: bytes, salt: bytes, public_key: bytes) -> bytes:
        if allowed:
            return original(password, salt, public_key)  # type: ignore[no-any-return]
        raise pymysql.err.OperationalError(
            2059,
            "the server asked for the password encrypted with a key it sent, over an unencrypted connection; "
            "perfscore refused (a hostile server could read it; set mysql.allow_cleartext_password: true to allow)",
        )

    auth.sha2_rsa_encrypt = refuse


def mysql_socket(conn: Any) -> socket.socket | None:
    return getattr(conn, "_sock", None)


def redis_client(url: str, password: str | None, timeout: float) -> Any:
    """A redis-py client over RESP2 whose answers are capped in bytes and in time per command."""
    import redis
    from redis._parsers import _RESP2Parser
    from redis._parsers import socket as resp_socket

    # The same for redis-py's socket buffer and parser.
    buffer_cls: Any = resp_socket.SocketBuffer
    parser_cls: Any = _RESP2Parser
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    class _BoundedBuffer(buffer_cls):  # type: ignore[misc]
        def _read_from_socket(self, length: int | None = None, *args: Any, **kwargs: Any) -> bool:
            buf = self._buffer
            pos = buf.tell()
            buffered = buf.seek(0, 2)  # everything held for this answer, parsed or not (purged after it)
            buf.seek(pos)
            if (length or 0) + buffered > MAX_ANSWER:
                raise redis.exceptions.ConnectionError(
                    f"the server sent or announced more than {MAX_ANSWER // (1024 * 1024)} MiB in one answer"
                )
            return bool(super()._read_from_socket(length, *args, **kwargs))

    class _BoundedParser(parser_cls):  # type: ignore[misc]
        def on_connect(self, connection: Any) -> None:
            super().on_connect(connection)
            self._buffer.__class__ = _BoundedBuffer

        def read_response(self, *args: Any, **kwargs: Any) -> Any:
            with deadline(self._sock, timeout):
                return super().read_response(*args, **kwargs)

    return redis.Redis.from_url(
        url,
        password=password,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry_on_timeout=False,
        retry=Retry(NoBackoff(), 0),  # a server that misbehaves once is not asked three times
        protocol=2,
        parser_class=_BoundedParser,
    )


def redis_sockets(client: Any) -> list[socket.socket]:
    """The sockets of a redis-py client's pool, for ``shutdown`` from another thread."""
    pool = getattr(client, "connection_pool", None)
    conns = list(getattr(pool, "_available_connections", [])) + list(getattr(pool, "_in_use_connections", []))
    return [c._sock for c in conns if getattr(c, "_sock", None) is not None]
