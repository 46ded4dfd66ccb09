"""`config check`'s MySQL line: the documented least-privilege grants, read from recorded SHOW GRANTS rows.

A real MariaDB is not started here: the stack test of `config check` (lead) logs in as the stack's user."""

from __future__ import annotations

from perfscore.session.healthcheck import missing_grants, parse_grants

# SHOW GRANTS of the reference stack's perfscore user (MariaDB 10.11), the hash shortened.
REFERENCE = [
    "GRANT SLAVE MONITOR, REPLICATION MASTER ADMIN ON *.* TO `perfscore`@`127.0.0.1` IDENTIFIED BY PASSWORD '*2470C0C'",
    "GRANT SELECT ON `performance_schema`.* TO `perfscore`@`127.0.0.1`",
    "GRANT SELECT ON `mysql`.`slow_log` TO `perfscore`@`127.0.0.1`",
    "GRANT REFERENCES ON `loanflow`.* TO `perfscore`@`127.0.0.1`",
    "GRANT SELECT (`id`, `borrower_id`, `principal`, `status`) ON `loanflow`.`loans` TO `perfscore`@`127.0.0.1`",
]


def test_the_reference_users_grants_are_complete_and_not_too_wide() -> None:
    assert missing_grants(REFERENCE, "loanflow") == ([], [])
    grants = parse_grants(REFERENCE)
    assert grants["loanflow.loans"] == {"SELECT"} and "REPLICATION MASTER ADMIN" in grants["*.*"]


def test_a_bare_user_lacks_every_grant_by_name() -> None:
    missing, wide = missing_grants(["GRANT USAGE ON *.* TO `perfscore`@`%`"], "shop")
    text = "; ".join(missing)
    for needle in ("performance_schema.*", "mysql.slow_log", "shop.*", "the replica list", "replica status"):
        assert needle in text, text
    assert not wide


def test_root_has_everything_but_reads_too_much() -> None:
    rows = ["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"]
    missing, wide = missing_grants(rows, "app")
    assert missing == [] and wide and "password hashes" in wide[0]


def test_mysql8_names_count() -> None:
    rows = [
        "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `perfscore`@`%`",
        "GRANT SELECT ON `performance_schema`.* TO `perfscore`@`%`",
        "GRANT SELECT ON `mysql`.`slow_log` TO `perfscore`@`%`",
    ]
    assert missing_grants(rows, None) == ([], [])  # no database configured: its grant is not asked for
