"""HTTP servers with known behaviour, for checking the load engine's accuracy.

Run as a separate process so the server never shares a core's GIL with the
generator: ``python -m tests.load.servers MODE PORT [ARG]`` prints ``ready PORT`` (PORT 0: the one it got).

Modes: ``delay MS`` (every answer after MS ms), ``fail FRACTION`` (every
n-th answer is a 500, so the fraction is exact), ``stall PERIOD_MS:STALL_MS``
(the server stops answering for STALL_MS every PERIOD_MS), ``garbage``
(answers something that is not HTTP), ``silent`` (accepts and never answers).
``idleclose MS`` (closes a keep-alive connection idle for MS ms, as nginx's keepalive_timeout does).
``--tls CERT KEY`` serves the mode over HTTPS.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import time

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
ERR = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror"


class State:
    count = 0
    stall_until = 0.0


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, mode: str, arg: str) -> None:
    served = 0
    try:
        while True:
            if mode == "idleclose" and served:  # nginx's keepalive_timeout: an idle connection is closed
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), float(arg) / 1000)
                except TimeoutError:
                    return
            else:
                head = await reader.readuntil(b"\r\n\r\n")
            served += 1
            if b"content-length:" in head.lower():
                n = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(n)
            State.count += 1
            if mode == "delay":
                await asyncio.sleep(float(arg) / 1000)
                writer.write(OK)
            elif mode == "fail":
                every = round(1 / float(arg))
                writer.write(ERR if State.count % every == 0 else OK)
            elif mode == "same":  # a catch-all: the same HTML page, 200, for every path
                page = b"<!doctype html><html><body><div id=app></div><a href=/db.sql>x</a></body></html>"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(page), page)
                )
            elif mode == "liar":  # claims gzip it did not do, a cache hit on everything, a negative Age, bad JSON
                page = b"<!doctype html><html><head><link rel=stylesheet href=/a.css></head><body>" + b"x" * 3000
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nX-Cache: HIT\r\n"
                    b"Age: -5\r\nContent-Length: %d\r\n\r\n%s" % (len(page), page)
                )
            elif mode == "failfast":  # every other request fails at once; the others succeed after ARG ms
                if State.count % 2:
                    writer.write(ERR)
                else:
                    await asyncio.sleep(float(arg) / 1000)
                    writer.write(OK)
            elif mode == "stall":
                period, stall = (float(x) / 1000 for x in arg.split(":"))
                now = time.monotonic()
                phase = now % period
                if phase < stall:
                    await asyncio.sleep(stall - phase)
                writer.write(OK)
            elif mode == "garbage":
                writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
                await writer.drain()
                writer.close()
                return
            elif mode == "idleclose":
                writer.write(OK)
            elif mode == "silent":
                await asyncio.sleep(3600)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main(mode: str, port: int, arg: str, tls: tuple[str, str] | None = None) -> None:
    ctx = None
    if tls is not None:  # HTTPS with this certificate and key
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*tls)
    server = await asyncio.start_server(lambda r, w: handle(r, w, mode, arg), "127.0.0.1", port, backlog=4096, ssl=ctx)
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    args = sys.argv[1:]
    cert = None
    if "--tls" in args:  # --tls CERT KEY
        i = args.index("--tls")
        cert = (args[i + 1], args[i + 2])
        del args[i : i + 3]
    asyncio.run(main(args[0], int(args[1]), args[2] if len(args) > 2 else "", cert))
