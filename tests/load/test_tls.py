"""HTTPS in `perfscore load` and the audit (issue 13): verified by default, --insecure to skip, clear failures."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import NO_RAMP, assert_clean_error, perfscore
from tests.load.fixtures import make_cert
from tests.load.servers import OK

pytestmark = pytest.mark.server

Server = Callable[..., int]


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    d = tmp_path_factory.mktemp("certs")
    return {
        "good": make_cert(d, "good", "localhost"),
        "other": make_cert(d, "other", "other.example"),
        "expired": make_cert(d, "expired", "localhost", expired=True),
    }


def trust(cert: Path) -> dict[str, str]:
    return {"SSL_CERT_FILE": str(cert)}


def test_https_keep_alive_load_with_a_trusted_certificate(server: Server, certs: dict[str, tuple[Path, Path]]) -> None:
    cert, key = certs["good"]
    port = server("delay", "0", tls=(cert, key))
    url = f"https://localhost:{port}/page?x=1"
    res = perfscore("load", url, "-n", "400", "-c", "4", "--workers", "1", "-f", "json", env=trust(cert))
    assert res.code == 0, res.err
    r = json.loads(res.out)
    assert r["requests"] == 400 and r["errors"] == 0 and r["connect_errors"] == 0, r
    assert r["url"] == url and r["status_counts"] == {"200": 400}
    assert 400 * len(OK) <= r["bytes_read"] <= 404 * len(OK)  # decrypted bytes: heads and bodies as sent


def test_self_signed_is_refused_without_insecure(server: Server, certs: dict[str, tuple[Path, Path]]) -> None:
    port = server("delay", "0", tls=certs["good"])
    url = f"https://localhost:{port}/"
    assert_clean_error(perfscore("load", url, "-n", "10"), 3, "not trusted", "self-signed", "--insecure")
    for flag in ("--insecure", "-k"):
        res = perfscore("load", url, "-n", "50", "-c", "2", flag, "-f", "json")
        assert res.code == 0, res.err
        assert json.loads(res.out)["errors"] == 0


def test_wrong_host_name_and_expired_certificate(server: Server, certs: dict[str, tuple[Path, Path]]) -> None:
    port = server("delay", "0", tls=certs["other"])
    res = perfscore("load", f"https://localhost:{port}/", "-n", "10", env=trust(certs["other"][0]))
    assert_clean_error(res, 3, "not trusted", "hostname mismatch")
    port = server("delay", "0", tls=certs["expired"])
    res = perfscore("load", f"https://localhost:{port}/", "-n", "10", env=trust(certs["expired"][0]))
    assert_clean_error(res, 3, "not trusted", "expired")


def nginx_like_plain_server() -> int:
    """A plain-HTTP server that answers a TLS ClientHello as nginx does: 400 Bad Request, then close."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        for _ in range(4):
            conn, _ = listener.accept()
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1])


def test_plain_http_behind_https_and_tls_behind_http(server: Server, certs: dict[str, tuple[Path, Path]]) -> None:
    plain = nginx_like_plain_server()
    assert_clean_error(perfscore("load", f"https://127.0.0.1:{plain}/", "-n", "10"), 3, "does not speak TLS")
    silent = server("delay", "0")  # waits for a request head that a ClientHello never completes
    res = perfscore("load", f"https://127.0.0.1:{silent}/", "-n", "10")
    assert_clean_error(res, 3, "did not answer the TLS handshake", "plain-HTTP server behind an https:// URL")
    tls = server("delay", "0", tls=certs["good"])
    assert_clean_error(perfscore("load", f"http://127.0.0.1:{tls}/", "-n", "10"), 3, "speaks TLS", "https://")


def test_https_port_defaults_to_443() -> None:
    from perfscore.load.target import parse_url

    assert parse_url("https://example.com/x").port == 443 and parse_url("https://example.com/x").tls
    assert parse_url("http://example.com/x").port == 80 and not parse_url("http://example.com/x").tls


def test_audit_probes_and_traffic_over_https(server: Server, certs: dict[str, tuple[Path, Path]]) -> None:
    port = server("delay", "0", tls=certs["good"])
    url = f"https://localhost:{port}"
    args = ("audit", "--config", str(NO_RAMP), "--url", url, "-d", "2s", "--no-history", "-f", "json")
    assert_clean_error(perfscore(*args), 3, "not trusted", "--insecure")
    res = perfscore(*args, "--insecure", timeout=180)
    assert res.code in (0, 1), res.err
    metrics = {m["id"]: m for c in json.loads(res.out)["categories"] for m in c["metrics"]}
    p95 = metrics["http.p95_latency"]  # the window's traffic, over TLS
    assert p95["status"] == "measured" and p95["value"] < 600, p95


def test_audit_says_a_scheme_or_certificate_problem_once(server: Server, certs: dict[str, tuple[Path, Path]]) -> None:
    port = server("delay", "0", tls=certs["good"])
    res = perfscore("audit", "--url", f"http://127.0.0.1:{port}", "-d", "2s", "--no-history")
    assert_clean_error(res, 3, "speaks TLS: use an https:// URL")
    assert "Performance score" not in res.out  # not scored on the 400 pages of the wrong scheme
    res = perfscore("audit", "--url", f"https://localhost:{port}", "-d", "2s", "--no-history")
    assert_clean_error(res, 3, "not trusted")
    assert (res.out + res.err).count("not trusted") == 1


def test_tls_failures_are_explained() -> None:
    import ssl

    from perfscore.tls import explain

    h2 = ssl.SSLError(1, "[SSL: TLSV1_ALERT_NO_APPLICATION_PROTOCOL] tlsv1 alert no application protocol")
    assert "speaks only HTTP/2" in explain(h2, "h:1")
    old = ssl.SSLError(1, "[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version")
    old.reason = "TLSV1_ALERT_PROTOCOL_VERSION"
    assert "older than 1.2" in explain(old, "h:1")


def test_init_insecure_writes_it_in_the_config(tmp_path: Path) -> None:
    out = tmp_path / "p.yaml"
    res = perfscore("init", str(out), "-k", "--url", "https://127.0.0.1:9/")
    assert res.code == 0, res.err
    assert "  insecure_tls: true " in out.read_text()
    assert (
        "insecure_tls: false"
        in perfscore("init", str(tmp_path / "q.yaml"), "--url", "https://127.0.0.1:9/").out
        + (tmp_path / "q.yaml").read_text()
    )
