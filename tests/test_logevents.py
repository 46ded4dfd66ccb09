"""Log lines into events and templates, with the formats PHP, PHP-FPM, nginx and MariaDB really write."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfscore.logevents import cut, events, template, templates

FATAL = [
    "[06-Dec-2026 05:14:39 UTC] PHP Fatal error:  Uncaught Exception: Loan 4242 not found in /srv/app/src/Loan.php:12",
    "Stack trace:",
    "#0 /srv/app/public/index.php(3): Loan->find('4242')",
    "#1 {main}",
    "  thrown in /srv/app/src/Loan.php on line 12",
]
FPM_FATAL = [
    '[06-Dec-2026 05:14:41] WARNING: [pool www] child 123 said into stderr: "PHP Fatal error:  Uncaught '
    'PDOException: SQLSTATE[HY000] [2002] Connection refused in /srv/app/db.php:8"',
    '[06-Dec-2026 05:14:41] WARNING: [pool www] child 123 said into stderr: "Stack trace:"',
    '[06-Dec-2026 05:14:41] WARNING: [pool www] child 123 said into stderr: "#0 /srv/app/db.php(8): PDO->x()"',
    '[06-Dec-2026 05:14:41] WARNING: [pool www] child 123 said into stderr: "#1 {main}"',
    '[06-Dec-2026 05:14:41] WARNING: [pool www] child 123 said into stderr: "  thrown in /srv/app/db.php on line 8"',
]

CASES = [
    (
        "a multi-line PHP fatal is one event: message and first frame",
        FATAL,
        [
            "PHP Fatal error: Uncaught Exception: Loan N not found in /srv/app/src/Loan.php:12 "
            "[first frame: /srv/app/public/index.php(3): Loan->find('?')]"
        ],
    ),
    (
        "the same fatal relayed line by line by PHP-FPM",
        FPM_FATAL,
        [
            "WARNING: [pool www] child N said into stderr: PHP Fatal error: Uncaught PDOException: SQLSTATE[HY000] "
            "[2002] Connection refused in /srv/app/db.php:8 [first frame: /srv/app/db.php(8): PDO->x()]"
        ],
    ),
    (
        "a PHP warning keeps its path and line",
        ['[06-Dec-2026 05:14:40 UTC] PHP Warning:  Undefined array key "email" in /app/c.php on line 4'],
        ['PHP Warning: Undefined array key "?" in /app/c.php on line 4'],
    ),
    (
        "nginx: the client, request and pids go; the quoted path stays",
        [
            '2026/11/27 15:37:20 [error] 1234#1234: *56 open() "/srv/www/favicon.ico" failed (2: No such file or '
            'directory), client: 203.0.113.9, server: shop, request: "GET /favicon.ico?u=jane HTTP/1.1"'
        ],
        ['[error] open() "/srv/www/favicon.ico" failed (N: No such file or directory)'],
    ),
    (
        "nginx relaying PHP's stderr",
        [
            '2026/11/27 15:37:20 [error] 1234#1234: *56 FastCGI sent in stderr: "PHP message: PHP Warning:  '
            'Division by zero in /app/x.php on line 7" while reading response header from upstream, client: 127.0.0.1'
        ],
        [
            "[error] FastCGI sent in stderr: PHP message: PHP Warning: Division by zero in /app/x.php on line 7 "
            "while reading response header from upstream"
        ],
    ),
    (
        "MariaDB: connection ids, users and hosts become placeholders",
        [
            "2026-12-06  5:14:39 42 [Warning] Aborted connection 42 to db: 'loanflow' user: 'jane' host: "
            "'10.1.2.3' (Got an error reading communication packets)"
        ],
        ["[Warning] Aborted connection N to db: '?' user: '?' host: '?' (Got an error reading communication packets)"],
    ),
    (
        "personal values: e-mails, ids, tokens",
        [
            "[06-Dec-2026 05:14:40 UTC] PHP Notice:  login failed for jane.doe@example.com session "
            "3f2a9c0d4e5b6a7f8e9d user 987654 uuid 123e4567-e89b-12d3-a456-426614174000"
        ],
        ["PHP Notice: login failed for <email> session <id> user N uuid <id>"],
    ),
    (
        "PHP-FPM's own warnings",
        ["[06-Dec-2026 05:14:39] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it"],
        ["WARNING: [pool www] server reached pm.max_children setting (N), consider raising it"],
    ),
]


@pytest.mark.parametrize(("name", "lines", "expected"), CASES, ids=[c[0] for c in CASES])
def test_templates(name: str, lines: list[str], expected: list[str]) -> None:
    assert [template(e) for e in events(lines)] == expected


def test_stack_lines_are_never_messages_of_their_own() -> None:
    counted = templates(FATAL * 3 + FPM_FATAL * 2)
    assert sorted(counted.values()) == [2, 3]
    assert not [t for t in counted if t.startswith(("Stack trace", "#", "thrown"))]


def test_a_message_is_cut_between_words_never_inside_a_path() -> None:
    path = "/srv/app/vendor/some/very/long/package/path/src/Deeply/Nested/Thing.php:123"
    text = "PHP Fatal error: " + "x " * 90 + path + " more words after"  # the path straddles the limit
    short = cut(text, 210)
    assert path in short and short.endswith(" …")
    assert not cut("a " * 200 + "/p/q.php", 50).rstrip(" …").endswith("/")


def test_the_gatherer_keeps_templates_and_counts_never_lines(tmp_path: Path) -> None:
    from perfscore.config import Config
    from perfscore.gatherers import GatherContext
    from perfscore.gatherers.logs import LogsGatherer

    log = tmp_path / "php.log"
    log.write_text("")
    cfg = Config.model_validate({"logs": [str(log)]})
    g = LogsGatherer(GatherContext(config=cfg, base_dir=tmp_path, window_s=1))
    g.begin()
    log.write_text("\n".join(FATAL * 2 + ["[06-Dec-2026 05:14:40 UTC] PHP Notice:  bad login jane.doe@example.com"]))
    snap = g.end()
    saved = snap.model_dump_json()
    assert "jane.doe" not in saved and "4242" not in saved and '"lines":[]' in saved.replace(" ", "")
    (f,) = snap.files
    assert (f.lines_total, f.events_total) == (11, 3)
    assert [(m.count, m.message[:24]) for m in f.messages] == [
        (2, "PHP Fatal error: Uncaugh"),
        (1, "PHP Notice: bad login <e"),
    ]
