"""`init`'s intent, read from recorded answers; the stack gatherer never takes this machine's PHP for a
target that did not answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfscore.config import Config, example_config
from perfscore.gatherers import GatherContext, ProbeUnavailable
from perfscore.gatherers.stack import StackGatherer
from perfscore.intent import is_fpm_status, is_opcache_status, ping_reply, replica_count
from tests.load.fixtures import free_port


def test_redis_auth_is_told_from_its_answer_to_ping() -> None:
    assert ping_reply(b"+PONG\r\n") is False
    assert ping_reply(b"-NOAUTH Authentication required.\r\n") is True
    assert ping_reply(b"HTTP/1.1 400 Bad Request\r\n") is None


def test_replicas_come_from_the_first_statement_that_worked() -> None:
    assert replica_count({"SHOW REPLICA HOSTS": 2}) == (2, "SHOW REPLICA HOSTS")
    assert replica_count({"SHOW REPLICA HOSTS": "syntax", "SHOW SLAVE HOSTS": 0}) == (0, "SHOW SLAVE HOSTS")
    n, why = replica_count({"SHOW REPLICA HOSTS": "Access denied; you need REPLICATION MASTER ADMIN"})
    assert n is None and "REPLICATION MASTER ADMIN" in why


def test_status_pages_are_recognised_by_their_content_not_their_status() -> None:
    assert is_fpm_status(200, '{"pool":"www","process manager":"dynamic","accepted conn":12}')
    assert not is_fpm_status(200, "<html>Welcome</html>") and not is_fpm_status(404, '{"pool":"x"}')
    assert is_opcache_status("/opcache-status", 200, '{"opcache_enabled": true, "memory_usage": {}}')
    assert not is_opcache_status("/opcache.php", 200, "<html>opcache gui</html>")


def test_example_config_writes_what_was_found_and_comments_out_what_was_not() -> None:
    text = example_config(redis_auth=False, replicas=True, replicas_note="SHOW REPLICA HOSTS: 1 replica",
                          fpm_status=None, opcache_status=None)  # fmt: skip
    assert "password_env: PERFSCORE_REDIS_PASSWORD" not in text and "replicas_expected: true  # SHOW" in text
    assert "  # fpm_status: /fpm-status?json" in text and "  # opcache_status:" in text
    text = example_config(fpm_status="/status?json", opcache_status="/opcache-status")
    assert '  fpm_status: "/status?json"  # found' in text and '  opcache_status: "/opcache-status"' in text
    assert "password_env: PERFSCORE_REDIS_PASSWORD" in text  # not told: as before
    text = example_config()
    assert "  fpm_status: /fpm-status?json\n" in text and "opcache_status" not in text


def test_a_target_that_does_not_answer_gets_no_facts_from_this_machines_php() -> None:
    cfg = Config.model_validate({"target": {"base_url": f"http://127.0.0.1:{free_port()}"}})
    with pytest.raises(ProbeUnavailable, match="not taken for its PHP"):
        StackGatherer(GatherContext(config=cfg, base_dir=Path("."), window_s=1)).end()


def test_replicas_are_expected_only_when_asked_or_listed() -> None:
    assert not Config.model_validate({"mysql": {}}).mysql.replicas_expected  # type: ignore[union-attr]


def test_config_check_refuses_a_fifo_or_a_device_as_a_log_at_once(tmp_path: Path) -> None:
    """A stranger's pass: `config check` with a log at a FIFO hung for ever (open() waits for a writer)."""
    import os
    import time

    from tests.conftest import perfscore

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cfg = tmp_path / "p.yaml"
    cfg.write_text(f"logs: [{fifo}, /dev/zero]\nprocesses: null\nmonitoring: null\n")
    t0 = time.monotonic()
    res = perfscore("config", "check", "--config", str(cfg))
    assert time.monotonic() - t0 < 10
    assert res.code == 3, res.out + res.err
    assert f"✗ log {fifo}: not a regular file" in res.out and "✗ log /dev/zero: not a regular file" in res.out, res.out
