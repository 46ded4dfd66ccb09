"""TLS for the load engine and the HTTP probes: one client context, one way to explain a failure.

Certificates are verified by default against the system's trust store (``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` point elsewhere, as for any OpenSSL client); ``--insecure`` (``target.insecure_tls``)
skips verification, as ``curl -k`` does. TLS 1.2 and 1.3 only, SNI from the URL's host name, ALPN
``http/1.1`` (the engine speaks HTTP/1.1 over keep-alive connections).
"""

from __future__ import annotations

import ssl

# Set once per command by the CLI (audit from the config, load from --insecure): the HTTP probes of
# an audit read it; the load engine's processes get it in their LoadSpec.
INSECURE = False


def configure(insecure: bool) -> None:
    global INSECURE
    INSECURE = insecure


def client_context(insecure: bool | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if INSECURE if insecure is None else insecure:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


NOT_TLS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL", "HTTP_REQUEST")


def explain(exc: ssl.SSLError, where: str) -> str:
    """One sentence for a failed handshake, naming the way out."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = (exc.verify_message or exc.reason or "not trusted").rstrip(".")
        fix = "point SSL_CERT_FILE at its CA"
        if "local issuer" in why:
            fix = "make the server send its intermediate certificates, or point SSL_CERT_FILE at its CA"
        return (
            f"the TLS certificate of {where} is not trusted ({why}); {fix}, or pass --insecure (in a config: "
            "target.insecure_tls: true) to skip verification"
        )
    reason = str(getattr(exc, "reason", None) or "") or str(exc)
    if any(marker in reason for marker in NOT_TLS):
        return f"{where} does not speak TLS (a plain-HTTP server behind an https:// URL?)"
    if "NO_APPLICATION_PROTOCOL" in reason.upper() or "no application protocol" in reason:
        return f"{where} speaks only HTTP/2 (its TLS refused ALPN http/1.1); perfscore speaks HTTP/1.1"
    if "PROTOCOL_VERSION" in reason.upper() or "UNSUPPORTED_PROTOCOL" in reason.upper():
        return f"{where} offers only TLS versions older than 1.2, which perfscore does not speak"
    if "EXCESSIVE_MESSAGE_SIZE" in reason.upper():
        return f"{where} sent a certificate chain too large to accept"
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return f"{where} closed the connection during the TLS handshake"
    return f"the TLS handshake with {where} failed ({reason or type(exc).__name__})"
