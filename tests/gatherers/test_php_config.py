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


def test_opcache_status_keeps_type_checked_figures_and_nothing_else() -> None:
    from perfscore.gatherers.php import parse_opcache

    body = (
        '{"opcache_enabled": true, "cache_full": false, "memory_usage": {"used_memory": 1048576, '
        '"free_memory": 2097152, "current_wasted_percentage": 0.5}, "opcache_statistics": {"num_cached_scripts": 3, '
        '"num_cached_keys": 4, "max_cached_keys": 16229, "opcache_hit_rate": 99.5, "oom_restarts": 0}, '
        '"scripts": {"/srv/app/.env.php": {"full_path": "/srv/app/.env.php"}}, "APP_SECRET": "hunter2"}'
    )
    o = parse_opcache("/opcache?token=s3cret", 200, body)
    assert o.path == "/opcache" and o.enabled is True and o.cache_full is False and o.error is None
    assert (o.used_memory, o.free_memory, o.cached_keys, o.max_cached_keys, o.oom_restarts) == (
        1048576.0,
        2097152.0,
        4,
        16229,
        0,
    )
    kept = o.model_dump_json()
    assert "hunter2" not in kept and "s3cret" not in kept and ".env.php" not in kept


def test_hostile_opcache_answers_give_reasons_not_figures() -> None:
    from perfscore.gatherers.php import parse_opcache

    assert parse_opcache("/o", 200, "false").enabled is False  # opcache_get_status() when OPcache is off
    assert parse_opcache("/o", 200, '{"opcache_enabled": "false"}').error is not None  # a string is not a bool
    assert parse_opcache("/o", 200, "[1, 2]").error is not None
    assert parse_opcache("/o", 200, "<html>phpinfo()</html>").error == "the OPcache status URL did not answer JSON"
    assert parse_opcache("/o", 403, "{}").error == "the OPcache status URL answered 403"
    odd = parse_opcache(
        "/o",
        200,
        '{"opcache_enabled": true, "cache_full": "yes", "memory_usage": [1], "opcache_statistics": '
        '{"num_cached_keys": "1.5e3", "max_cached_keys": 1e400, "oom_restarts": -3, "opcache_hit_rate": NaN, '
        '"hash_restarts": true, "num_cached_scripts": 2.5}}',
    )
    assert odd.enabled is True and odd.error is None
    assert (odd.cache_full, odd.used_memory, odd.cached_keys, odd.max_cached_keys) == (None, None, None, None)
    assert (odd.oom_restarts, odd.hit_rate, odd.hash_restarts, odd.cached_scripts) == (None, None, None, None)
