"""The PHP gatherer's readers of `php-fpm -tt` and `-i`: what they keep, and what they never keep."""

from __future__ import annotations

from perfscore.gatherers.php import parse_ini, parse_tt

TT = """\
[27-Nov-2026 16:49:35] NOTICE: [global]
[27-Nov-2026 16:49:35] NOTICE: \tpid = /run/php-fpm.pid
[27-Nov-2026 16:49:35] NOTICE: \tprocess.max = 0
[27-Nov-2026 16:49:35] NOTICE: \t
[27-Nov-2026 16:49:35] NOTICE: [www]
[27-Nov-2026 16:49:35] NOTICE: \tpm = dynamic
[27-Nov-2026 16:49:35] NOTICE: \tpm.max_children = 12
[27-Nov-2026 16:49:35] NOTICE: \tpm.max_requests = 500
[27-Nov-2026 16:49:35] NOTICE: \tenv[DB_PASSWORD] = hunter2
[27-Nov-2026 16:49:35] NOTICE: \tphp_admin_value[session.save_path] = tcp://127.0.0.1:6380?auth=s3cret
[27-Nov-2026 16:49:35] NOTICE: \tphp_admin_value[memory_limit] = 256M
[27-Nov-2026 16:49:35] NOTICE: \tphp_admin_flag[opcache.enable] = 0
[27-Nov-2026 16:49:35] NOTICE: [api]
[27-Nov-2026 16:49:35] NOTICE: \tpm = static
[27-Nov-2026 16:49:35] NOTICE: \tpm.max_children = 4
[27-Nov-2026 16:49:35] NOTICE: \tphp_value[opcache.memory_consumption] = 256
[27-Nov-2026 16:49:35] NOTICE: configuration file /etc/php/8.2/fpm/php-fpm.conf test is successful
"""


def test_tt_keeps_pools_process_manager_and_opcache_settings_only() -> None:
    pools = parse_tt(TT)
    assert [p.name for p in pools] == ["www", "api"]
    www, api = pools
    assert www.pm == {"pm": "dynamic", "pm.max_children": "12", "pm.max_requests": "500"}
    assert www.php == {"memory_limit": "256M", "opcache.enable": "0"}
    assert api.pm == {"pm": "static", "pm.max_children": "4"} and api.php == {"opcache.memory_consumption": "256"}
    kept = "".join(p.model_dump_json() for p in pools)
    assert "hunter2" not in kept and "s3cret" not in kept and "session.save_path" not in kept


def test_tt_of_something_else_gives_no_pool() -> None:
    assert parse_tt("") == []
    assert parse_tt("ERROR: failed to open configuration file '/x': No such file or directory (2)\n") == []
    assert parse_tt("[global]\npm = static\n") == []  # not -tt's NOTICE lines


def test_ini_keeps_opcache_and_memory_limit_local_values() -> None:
    ini = parse_ini(
        "Opcode Caching => Up and Running\n"
        "opcache.enable => On => On\n"
        "opcache.memory_consumption => 128 => 128\n"
        "opcache.jit => tracing => tracing\n"
        "memory_limit => 128M => 128M\n"
        "mysqli.default_pw => secret => secret\n"
        "session.save_path => tcp://x?auth=pw => no value\n"
    )
    assert ini == {
        "Opcode Caching": "Up and Running",
        "opcache.enable": "On",
        "opcache.memory_consumption": "128",
        "opcache.jit": "tracing",
        "memory_limit": "128M",
    }
