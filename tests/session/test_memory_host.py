"""The process gatherer scores this machine only when the app runs here and something here serves it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from perfscore.config import Config
from perfscore.gatherers import GatherContext
from perfscore.gatherers.memory import MemoryGatherer, is_this_machine


def _gatherer(base_url: str) -> MemoryGatherer:
    cfg = Config.model_validate({"target": {"base_url": base_url}, "processes": {"app": ["php-fpm"]}})
    return MemoryGatherer(GatherContext(config=cfg, base_dir=Path("."), window_s=1.0))


@pytest.mark.parametrize("url", ["http://192.0.2.10/", "http://no-such-host.invalid:8080/"])
def test_an_app_on_another_host_is_not_scored_by_this_machines_processes(url: str) -> None:
    why = _gatherer(url).not_configured()
    assert why is not None and "the app runs on another host" in why and "not on this host" in why


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_a_local_app_is_when_something_listens_on_its_port(host: str) -> None:
    family = socket.AF_INET6 if host == "[::1]" else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host.strip("[]"), 0))
        port = s.getsockname()[1]
        assert (why := _gatherer(f"http://{host}:{port}/").not_configured()) is not None
        assert f"nothing listens on port {port} on this host" in why  # bound, not listening: nothing serves
        s.listen()
        assert _gatherer(f"http://{host}:{port}/").not_configured() is None


def test_this_machines_own_interface_address_is_local() -> None:
    import psutil

    mine = next(a.address for nics in psutil.net_if_addrs().values() for a in nics if a.family.name == "AF_INET")
    assert is_this_machine(mine)
    assert not is_this_machine("198.51.100.7")


def test_a_remote_target_stays_remote_with_allow_remote_and_for_the_php_gatherer() -> None:
    from perfscore.gatherers.php import PhpGatherer

    cfg = Config.model_validate(
        {"target": {"base_url": "http://192.0.2.10:8080/", "allow_remote": True}, "processes": {"app": ["php-fpm"]}}
    )
    ctx = GatherContext(config=cfg, base_dir=Path("."), window_s=1.0)
    assert "not on this host" in (MemoryGatherer(ctx).not_configured() or "")
    assert "not on this host" in (PhpGatherer(ctx).not_configured() or "")


def test_an_audit_without_a_config_takes_nothing_from_this_host_for_a_remote_or_silent_target() -> None:
    from perfscore.session.plan import from_this_host

    said: list[str] = []
    for url in ("http://192.0.2.10:8080/", "http://127.0.0.1:9/"):  # another machine; nothing listens on 9
        cfg = Config.model_validate({"target": {"base_url": url, "allow_remote": True}})
        assert from_this_host(cfg, said.append) == cfg
    assert said == []
