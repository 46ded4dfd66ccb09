"""The slow log file reader (perfscore.slowlog): entries of MariaDB's and MySQL 8's format, folded into classes
by fingerprint, over a period; the bisection that starts a large file's read near the period."""

from __future__ import annotations

import io

from perfscore.slowlog import MAX_SQL, entries, fold, schema_before, start_offset
from perfscore.sqltext import mask_literals, normalize_sql

MARIADB = """/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:
Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
Time		    Id Command	Argument
# Time: 261206 20:43:51
# User@Host: app[app] @ localhost []
# Thread_id: 7  Schema: loanflow  QC_hit: No
# Query_time: 0.500000  Lock_time: 0.000361  Rows_sent: 3  Rows_examined: 100000
# Rows_affected: 0  Bytes_sent: 56
use `loanflow`;
SET timestamp=1000;
SELECT installment_no FROM payment_schedules
WHERE loan_id = 4242
ORDER BY installment_no;
# User@Host: app[app] @ localhost []
# Thread_id: 8  Schema: loanflow  QC_hit: No
# Query_time: 1.500000  Lock_time: 0.000100  Rows_sent: 3  Rows_examined: 100000
SET timestamp=1010;
SELECT installment_no FROM payment_schedules WHERE loan_id = 31337 ORDER BY installment_no;
# User@Host: perfscore[perfscore] @ localhost []
# Thread_id: 9  Schema: loanflow  QC_hit: No
# Query_time: 2.500000  Lock_time: 0.000100  Rows_sent: 1  Rows_examined: 5
SET timestamp=1020;
SELECT SLEEP(2);
/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:
Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock
Time		    Id Command	Argument
# Time: 261206 20:50:00
# User@Host: app[app] @ localhost []
# Thread_id: 3  Schema: other  QC_hit: No
# Query_time: 0.300000  Lock_time: 0.000100  Rows_sent: 1  Rows_examined: 9
use `other`;
SET timestamp=2000;
SELECT 1 FROM t WHERE id = 5;
"""

MYSQL8 = """# Time: 2026-12-06T20:43:51.123456Z
# User@Host: app[app] @ localhost [127.0.0.1]  Id:    12
# Query_time: 0.250000  Lock_time: 0.000001 Rows_sent: 1  Rows_examined: 5000
SET timestamp=1500;
SELECT name FROM users WHERE email = 'a@b.test';
"""


def test_mariadb_entries_carry_time_duration_rows_schema_and_user_and_banners_are_no_statements() -> None:
    found = list(entries(io.StringIO(MARIADB)))
    assert [(e.ts, e.query_s, e.rows_examined, e.schema, e.user) for e in found] == [
        (1000.0, 0.5, 100000, "loanflow", "app"),
        (1010.0, 1.5, 100000, "loanflow", "app"),
        (1020.0, 2.5, 5, "loanflow", "perfscore"),
        (2000.0, 0.3, 9, "other", "app"),
    ]
    assert found[0].sql.splitlines() == [
        "SELECT installment_no FROM payment_schedules",
        "WHERE loan_id = 4242",
        "ORDER BY installment_no;",
    ]
    assert not any("Version" in e.sql or "Tcp port" in e.sql for e in found)


def test_mysql_8_entries_read_alike() -> None:
    (e,) = entries(io.StringIO(MYSQL8))
    assert (e.ts, e.query_s, e.rows_examined, e.user) == (1500.0, 0.25, 5000, "app")
    assert e.sql.startswith("SELECT name FROM users")


def test_classes_fold_values_and_keep_the_period_and_schema() -> None:
    classes, overflow = fold(entries(io.StringIO(MARIADB)), since=900, until=1015, schema="loanflow")
    assert overflow == 0 and len(classes) == 1
    (c,) = classes
    assert (c.executions, c.total_s, c.max_s, c.rows_examined) == (2, 2.0, 1.5, 200000)
    assert "4242" in c.sample  # the first as it ran: EXPLAIN can read it
    everything, _ = fold(entries(io.StringIO(MARIADB)))
    assert [c.executions for c in everything] == [1, 2, 1]  # by total time: SLEEP 2.5 s, the scans 2.0, 0.3
    assert fold(entries(io.StringIO(MARIADB)), since=1005, until=1015)[0][0].total_s == 1.5  # the 1000 s entry is out


def test_a_torn_head_a_missing_query_time_and_a_huge_statement_are_held() -> None:
    torn = "ORDER BY x;\n# Query_time: 1.0  Lock_time: 0 Rows_sent: 0  Rows_examined: 0\nSELECT 2;\n"
    no_time = "# User@Host: a[a] @ h []\nSET timestamp=5;\nSELECT 3;\n"
    huge = "# User@Host: a[a] @ h []\n# Query_time: 1.0  Lock_time: 0 Rows_sent: 0  Rows_examined: 0\n"
    huge += "SET timestamp=6;\nSELECT '" + "x" * 50_000 + "';\n"
    found = list(entries(io.StringIO(torn + no_time + huge)))
    assert len(found) == 1 and found[0].ts == 6.0 and len(found[0].sql) <= MAX_SQL


def _big_log(n: int) -> bytes:
    parts = []
    for i in range(n):
        parts.append(
            f"# User@Host: app[app] @ localhost []\n# Query_time: 0.2  Lock_time: 0 Rows_sent: 1  Rows_examined: 9\n"
            f"SET timestamp={10_000 + i};\nSELECT * FROM t WHERE id = {i};\n"
        )
    return "".join(parts).encode()


def test_a_large_file_is_read_from_near_the_period_not_from_its_first_byte() -> None:
    data = _big_log(20_000)  # ~2.4 MB
    fh = io.BytesIO(data)
    since = 10_000 + 15_000
    at = start_offset(fh, since)
    assert 0 < at < data.index(b"SET timestamp=25000;"), at  # before the period's first entry ...
    assert at > len(data) // 2  # ... and well past the file's start
    assert data[at : at + 14] == b"# User@Host: a"  # at an entry's start: no statement cut in two
    fh.seek(at)
    classes, _ = fold(entries(io.TextIOWrapper(fh)), since=since)
    assert classes[0].executions == 5_000  # every entry of the period, none lost at the seek
    assert start_offset(io.BytesIO(data), 0) == 0 and start_offset(io.BytesIO(b""), 5) == 0


def test_a_connection_with_no_database_is_no_ones_schema_and_the_login_user_is_the_bracketed_one() -> None:
    text = (
        "# User@Host: app[app] @ localhost []\n# Thread_id: 1  Schema: loanflow  QC_hit: No\n"
        "# Query_time: 1.0  Lock_time: 0 Rows_sent: 0  Rows_examined: 0\nSET timestamp=1;\nSELECT 1;\n"
        "# User@Host: proxy[perfscore] @ localhost []\n# Thread_id: 2  Schema:   QC_hit: No\n"
        "# Query_time: 1.2.3  Lock_time: 0 Rows_sent: 0  Rows_examined: 0\n"  # no valid duration: no entry
        "# Query_time: 2.0  Lock_time: 0 Rows_sent: 0  Rows_examined: 0\nSET timestamp=2;\nSELECT 2;\n"
    )
    first, second = entries(io.StringIO(text))
    assert (first.schema, first.user) == ("loanflow", "app")
    assert (second.schema, second.user) == ("", "perfscore")  # not the previous entry's database
    assert [c.sample for c in fold([first, second], schema="loanflow")[0]] == ["SELECT 1;"]


def test_a_timestamp_inside_a_statement_does_not_move_the_bisection_and_the_database_is_found_before() -> None:
    head = "use `shop`;\n" + _big_log(20_000).decode()
    hostile = head.replace("SELECT * FROM t WHERE id = 3000;", "SELECT '\nSET timestamp=99999999;\n';", 1)
    fh = io.BytesIO(hostile.encode())
    at = start_offset(fh, 10_000 + 15_000)
    assert 0 < at < hostile.encode().index(b"SET timestamp=25000;")
    assert schema_before(fh, at) == "shop"
    assert schema_before(io.BytesIO(b"# User@Host: a[a] @ h []\n"), 20) is None


def test_masked_statements_keep_their_shape_not_their_values() -> None:
    sql = (
        "SELECT id FROM users WHERE email = 'jane@example.test' AND token = \"s3cr3t\" AND name LIKE '%mith%' LIMIT 20"
    )
    masked = mask_literals(sql)
    assert masked == "SELECT id FROM users WHERE email = ? AND token = ? AND name LIKE '%?' LIMIT ?"
    assert normalize_sql(masked) == normalize_sql(sql)
