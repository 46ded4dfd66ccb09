"""The exposure recognisers know real files by their content, and nothing else by its status."""

from __future__ import annotations

import pytest

from perfscore.gatherers.exposure import kinds_of


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"APP_ENV=production\nDB_PASSWORD=hunter2\nAPP_KEY=base64:abc\n", "secrets in an environment file"),
        (b"ref: refs/heads/main\n", "git repository"),
        (b"[core]\n\trepositoryformatversion = 0\n\tbare = false\n", "git repository"),
        (b"-- MySQL dump 10.13\nCREATE TABLE `users` (\n", "SQL dump"),
        (b"<html><head><title>phpinfo()</title></head>", "phpinfo page"),
        (b'{"name": "acme/loans", "require": {"php": ">=8.1"}}', "dependency manifest (versions)"),
        (b"PK\x03\x04\x14\x00rest of a zip", "archive"),
        (b"admin:$apr1$abc$def\n", "password hashes"),
        (b"database:\n  password: s3cret\n", "credentials in a config file"),
    ],
)
def test_real_files_are_recognised(body: bytes, kind: str) -> None:
    assert kind in kinds_of(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><html><body><div id=app></div><script src=/app.js></script></body></html>",
        b'{"error":"not found"}',
        b"",
        b"Please enter your password below.",
    ],
)
def test_ordinary_pages_are_not(body: bytes) -> None:
    assert kinds_of(body) == []
