"""A secret echoed back in another spelling (issue #29 item 8): with its control character, split by one,
base64, URL-encoded, hex. Each comes out as *** wherever text is cleaned, stored or written."""

from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

import pytest

from perfscore.files import write_output
from perfscore.sanitize import REDACTED, clean, clean_tree, remember

SECRET = "p@ss\x01wörd/+="  # a control character, URL-special and non-ASCII characters


def _forms(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "as it is": secret,
        "without its control character": secret.replace("\x01", ""),
        "base64": base64.b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "url-safe base64": base64.urlsafe_b64encode(raw).decode(),
        "url-encoded": urllib.parse.quote(secret, safe=""),
        "form-encoded": urllib.parse.quote_plus(secret, safe=""),
        "hex": raw.hex(),
        "HEX": raw.hex().upper(),
    }


@pytest.mark.parametrize(("form", "echo"), _forms(SECRET).items())
def test_every_spelling_of_a_secret_is_redacted(form: str, echo: str) -> None:
    text = f"server said: denied for {echo}; bye"
    for out in (clean(text, [SECRET]), clean(text, [SECRET], oneline=True), clean_tree({"m": text}, [SECRET])["m"]):
        assert REDACTED in out, (form, out)
        assert echo.replace("\x01", "") not in out, (form, out)
        assert "server said: denied for" in out


def test_a_control_character_put_inside_an_echoed_secret_does_not_join_it_up() -> None:
    secret = "hunter22"
    out = clean("you sent hun\x07ter\x1b22", [secret])
    assert secret not in out and REDACTED in out


def test_a_file_written_holds_no_spelling_of_a_remembered_secret(tmp_path: Path) -> None:
    secret = "Wr1te-S3cret\x02x"
    remember([secret])
    out = tmp_path / "r.txt"
    write_output(out, " ".join(_forms(secret).values()))
    text = out.read_text()
    for form, echo in _forms(secret).items():
        assert echo not in text, form
