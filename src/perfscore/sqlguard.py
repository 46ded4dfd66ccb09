"""Is a statement a plain read? Decided by parsing it, not by matching patterns.

perfscore times the SELECTs a config names (20 runs each) and EXPLAINs the
statements of the slow log; both must be reads that take no lock and change
nothing. A regular expression cannot tell ``/*! FOR UPDATE */`` (which MySQL
runs) from a comment, nor ``SELECT GET_LOCK('x', 1)`` from a column, so the
statement is tokenised and parsed with sqlglot's MySQL dialect (pure Python,
no C extension, a full MySQL grammar and an AST to walk; sqlparse only
tokenises, which would leave the nesting of clauses to us). Then:

- one statement, whose root is a SELECT or a set operation of SELECTs;
- no executable comment (``/*! … */``, MariaDB's ``/*M! … */``): the server runs
  what the parser sees as a comment;
- no locking clause (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE), no INTO, no
  variable assignment, nothing that writes (INSERT/UPDATE/… nested anywhere);
- functions: those that lock, wait, read files or move sequences are refused
  by name, and every name written before "(" must be a MySQL built-in listed
  below, as the statement spells it — unqualified, unquoted and in ASCII
  (``app.now()`` is a stored function; ``ſum`` is not SUM to MySQL) (sqlglot knows functions of every dialect,
  ``array_agg`` among them, which MySQL would resolve to a stored function —
  and a stored function can write).

Anything the parser cannot read is refused too: the guard says yes only to
what it understood.
"""

from __future__ import annotations

from typing import Any

MAX_CHARS = 64 * 1024

# Built-ins that lock, wait, read the server's files, change sequences or burn time.
FORBIDDEN_FUNCTIONS = frozenset(
    {
        "GET_LOCK",
        "RELEASE_LOCK",
        "RELEASE_ALL_LOCKS",
        "IS_FREE_LOCK",
        "IS_USED_LOCK",
        "SLEEP",
        "BENCHMARK",
        "LOAD_FILE",
        "MASTER_POS_WAIT",
        "SOURCE_POS_WAIT",
        "MASTER_GTID_WAIT",
        "WAIT_FOR_EXECUTED_GTID_SET",
        "WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS",
        "NEXTVAL",
        "SETVAL",
        "LASTVAL",
        "NAME_CONST",
        "SYS_EXEC",
        "SYS_EVAL",
    }
)

# MySQL/MariaDB built-ins that sqlglot parses as unknown ("anonymous") functions.
KNOWN_BUILTINS = frozenset(
    {
        "NOW",
        "SYSDATE",
        "UTC_DATE",
        "UTC_TIME",
        "UTC_TIMESTAMP",
        "UNIX_TIMESTAMP",
        "FIND_IN_SET",
        "FIELD",
        "LAST_INSERT_ID",
        "FOUND_ROWS",
        "ROW_COUNT",
        "CONNECTION_ID",
        "USER",
        "CURRENT_USER",
        "SESSION_USER",
        "SYSTEM_USER",
        "DAYNAME",
        "MONTHNAME",
        "PERIOD_ADD",
        "PERIOD_DIFF",
        "SEC_TO_TIME",
        "TIME_TO_SEC",
        "MAKEDATE",
        "MAKETIME",
        "INET_ATON",
        "INET_NTOA",
        "INET6_ATON",
        "INET6_NTOA",
        "BIT_COUNT",
        "CRC32",
        "SOUNDEX",
        "SPACE",
        "QUOTE",
        "ORD",
        "FORMAT",
        "CHARSET",
        "COLLATION",
        "COERCIBILITY",
        "IS_IPV4",
        "IS_IPV6",
        "UUID_SHORT",
        "JSON_CONTAINS_PATH",
        "JSON_DEPTH",
        "JSON_LENGTH",
        "JSON_UNQUOTE",
        "JSON_VALID",
    }
)


# MySQL 8 / MariaDB built-in functions (a function call written with any other name is a stored function,
# which can write). Names as they are written in a statement, upper case.
MYSQL_BUILTINS = (
    frozenset(
        [
            "ABS",
            "ACOS",
            "ADDDATE",
            "ADDTIME",
            "AES_DECRYPT",
            "AES_ENCRYPT",
            "ANY_VALUE",
            "ASCII",
            "ASIN",
            "ATAN",
            "ATAN2",
            "AVG",
            "BIN",
            "BIN_TO_UUID",
            "BIT_AND",
            "BIT_COUNT",
            "BIT_LENGTH",
            "BIT_OR",
            "BIT_XOR",
            "CAST",
            "CEIL",
            "CEILING",
            "CHAR",
            "CHAR_LENGTH",
            "CHARACTER_LENGTH",
            "CHARSET",
            "COALESCE",
            "COERCIBILITY",
            "COLLATION",
            "COMPRESS",
            "CONCAT",
            "CONCAT_WS",
            "CONNECTION_ID",
            "CONV",
            "CONVERT",
            "CONVERT_TZ",
            "COS",
            "COT",
            "COUNT",
            "CRC32",
            "CUME_DIST",
            "CURDATE",
            "CURRENT_DATE",
            "CURRENT_ROLE",
            "CURRENT_TIME",
            "CURRENT_TIMESTAMP",
            "CURRENT_USER",
            "CURTIME",
            "DATABASE",
            "DATE",
            "DATE_ADD",
            "DATE_FORMAT",
            "DATE_SUB",
            "DATEDIFF",
            "DAY",
            "DAYNAME",
            "DAYOFMONTH",
            "DAYOFWEEK",
            "DAYOFYEAR",
            "DEFAULT",
            "DEGREES",
            "DENSE_RANK",
            "ELT",
            "EXP",
            "EXPORT_SET",
            "EXTRACT",
            "EXTRACTVALUE",
            "FIELD",
            "FIND_IN_SET",
            "FIRST_VALUE",
            "FLOOR",
            "FORMAT",
            "FORMAT_BYTES",
            "FORMAT_PICO_TIME",
            "FOUND_ROWS",
            "FROM_BASE64",
            "FROM_DAYS",
            "FROM_UNIXTIME",
            "GET_FORMAT",
            "GREATEST",
            "GROUP_CONCAT",
            "GROUPING",
            "HEX",
            "HOUR",
            "IF",
            "IFNULL",
            "INET6_ATON",
            "INET6_NTOA",
            "INET_ATON",
            "INET_NTOA",
            "INSERT",
            "INSTR",
            "INTERVAL",
            "IS_IPV4",
            "IS_IPV4_COMPAT",
            "IS_IPV4_MAPPED",
            "IS_IPV6",
            "IS_UUID",
            "ISNULL",
            "JSON_ARRAY",
            "JSON_ARRAYAGG",
            "JSON_CONTAINS",
            "JSON_CONTAINS_PATH",
            "JSON_DEPTH",
            "JSON_EXTRACT",
            "JSON_KEYS",
            "JSON_LENGTH",
            "JSON_MERGE_PATCH",
            "JSON_MERGE_PRESERVE",
            "JSON_OBJECT",
            "JSON_OBJECTAGG",
            "JSON_OVERLAPS",
            "JSON_PRETTY",
            "JSON_QUOTE",
            "JSON_SEARCH",
            "JSON_SET",
            "JSON_INSERT",
            "JSON_REPLACE",
            "JSON_REMOVE",
            "JSON_ARRAY_APPEND",
            "JSON_ARRAY_INSERT",
            "JSON_STORAGE_SIZE",
            "JSON_TABLE",
            "JSON_TYPE",
            "JSON_UNQUOTE",
            "JSON_VALID",
            "JSON_VALUE",
            "JSON_VALUE",
            "LAG",
            "LAST_DAY",
            "LAST_INSERT_ID",
            "LAST_VALUE",
            "LCASE",
            "LEAD",
            "LEAST",
            "LEFT",
            "LENGTH",
            "LN",
            "LOCALTIME",
            "LOCALTIMESTAMP",
            "LOCATE",
            "LOG",
            "LOG10",
            "LOG2",
            "LOWER",
            "LPAD",
            "LTRIM",
            "MAKE_SET",
            "MAKEDATE",
            "MAKETIME",
            "MAX",
            "MD5",
            "MEDIAN",
            "MICROSECOND",
            "MID",
            "MIN",
            "MINUTE",
            "MOD",
            "MONTH",
            "MONTHNAME",
            "NOW",
            "NTH_VALUE",
            "NTILE",
            "NULLIF",
            "OCT",
            "OCTET_LENGTH",
            "ORD",
            "PERCENT_RANK",
            "PERIOD_ADD",
            "PERIOD_DIFF",
            "PI",
            "POSITION",
            "POW",
            "POWER",
            "QUARTER",
            "QUOTE",
            "RADIANS",
            "RAND",
            "RANDOM_BYTES",
            "RANK",
            "REGEXP_INSTR",
            "REGEXP_LIKE",
            "REGEXP_REPLACE",
            "REGEXP_SUBSTR",
            "REPEAT",
            "REPLACE",
            "REVERSE",
            "RIGHT",
            "ROUND",
            "ROW_COUNT",
            "ROW_NUMBER",
            "RPAD",
            "RTRIM",
            "SCHEMA",
            "SEC_TO_TIME",
            "SECOND",
            "SESSION_USER",
            "SHA",
            "SHA1",
            "SHA2",
            "SIGN",
            "SIN",
            "SOUNDEX",
            "SPACE",
            "SQRT",
            "STD",
            "STDDEV",
            "STDDEV_POP",
            "STDDEV_SAMP",
            "STR_TO_DATE",
            "STRCMP",
            "SUBDATE",
            "SUBSTR",
            "SUBSTRING",
            "SUBSTRING_INDEX",
            "SUBTIME",
            "SUM",
            "SYSDATE",
            "SYSTEM_USER",
            "TAN",
            "TIME",
            "TIME_FORMAT",
            "TIME_TO_SEC",
            "TIMEDIFF",
            "TIMESTAMP",
            "TIMESTAMPADD",
            "TIMESTAMPDIFF",
            "TO_BASE64",
            "TO_DAYS",
            "TO_SECONDS",
            "TRIM",
            "TRUNCATE",
            "UCASE",
            "UNCOMPRESS",
            "UNCOMPRESSED_LENGTH",
            "UNHEX",
            "UNIX_TIMESTAMP",
            "UPPER",
            "USER",
            "UTC_DATE",
            "UTC_TIME",
            "UTC_TIMESTAMP",
            "UUID",
            "UUID_SHORT",
            "UUID_TO_BIN",
            "VALUES",
            "VAR_POP",
            "VAR_SAMP",
            "VARIANCE",
            "VERSION",
            "WEEK",
            "WEEKDAY",
            "WEEKOFYEAR",
            "WEIGHT_STRING",
            "YEAR",
            "YEARWEEK",
            "CHR",
            "DECODE",
            "ENCODE",
            "NVL",
            "NVL2",
            "LENGTHB",
            "SFORMAT",
            "NATURAL_SORT_KEY",
        ]
    )
    | KNOWN_BUILTINS
)


def _called_names(tokens: list[Any]) -> list[tuple[str, str | None]]:
    """The names written right before "(": function calls as the statement spells them (sqlglot maps many
    names of other dialects to its own functions, so the tree alone cannot say what MySQL will call), each
    with why it cannot be a built-in (None when it may be one).

    A built-in is recognised only as MySQL's parser would: unqualified, unquoted and in ASCII.
    ``app.now()`` and `` `now`() `` name stored functions; ``ſum(1)`` upper-cases to SUM in Python
    but is no built-in to MySQL."""
    out: list[tuple[str, str | None]] = []
    for prev, tok, nxt in zip([None, *tokens], tokens, tokens[1:], strict=False):
        if nxt.token_type.name != "L_PAREN" or tok.token_type.name not in ("VAR", "IDENTIFIER"):
            continue
        name = tok.text
        if prev is not None and prev.token_type.name == "DOT":
            out.append((name, "is qualified by a schema"))
        elif tok.token_type.name == "IDENTIFIER":
            out.append((name, "is quoted"))
        elif not name.isascii():
            out.append((name, "is not spelled in ASCII"))
        else:
            out.append((name.upper(), None))
    return out


def read_only_problem(sql: str) -> str | None:
    """Why ``sql`` is not a plain, lock-free read, or None when it is one."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    if len(sql) > MAX_CHARS:
        return f"is longer than {MAX_CHARS // 1024} KiB"
    try:
        tokens = sqlglot.tokenize(sql, read="mysql")
        for token in tokens:
            for comment in token.comments:
                if comment.lstrip().startswith(("!", "M!")):
                    return "has an executable comment (/*! … */), which MySQL runs"
        for name, why_not in _called_names(tokens):
            if name.upper() in FORBIDDEN_FUNCTIONS:
                return f"calls {name.upper()}(), which is not a plain read"
            if why_not is not None:
                shown = _plain(name)[:64]
                return f"calls {shown}(), whose name {why_not}: a stored function, which can write"
            if name not in MYSQL_BUILTINS:
                shown = _plain(name)[:64]
                return f"calls {shown}(), which is no MySQL built-in perfscore knows (a stored function can write)"
        statements = [s for s in sqlglot.parse(sql, read="mysql") if s is not None]
    except SqlglotError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"cannot be parsed as MySQL ({_plain(first)[:120]})"
    except RecursionError:
        return "is nested too deeply to be checked"
    except Exception as exc:  # noqa: BLE001 - a parser's own bug (DATE_ADD(1): AttributeError) is a refusal, not a crash
        return f"cannot be parsed as MySQL (the parser failed: {type(exc).__name__})"
    if len(statements) != 1:
        return "contains more than one statement" if statements else "is empty"
    root = statements[0]
    while isinstance(root, exp.Subquery):
        root = root.this
    if not isinstance(root, exp.Select | exp.SetOperation):
        return "is not a SELECT"
    return _walk_problem(root, exp)


def _walk_problem(root: Any, exp: Any) -> str | None:
    writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command, exp.Set)
    for node in root.walk():
        if isinstance(node, exp.Lock):
            return f"uses {'FOR UPDATE' if node.args.get('update') else 'a shared lock'}, which is not a plain read"
        if isinstance(node, exp.Into):
            return "uses INTO, which is not a plain read"
        if isinstance(node, writes):
            return f"contains {node.key.upper()}, which is not a plain read"
        if isinstance(node, exp.PropertyEQ):
            return "assigns a variable, which is not a plain read"
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).upper()
            if name in FORBIDDEN_FUNCTIONS:
                return f"calls {name}(), which is not a plain read"
            if isinstance(node, exp.Anonymous) and name not in KNOWN_BUILTINS:
                unknown = _plain(name)[:64]
                return f"calls {unknown}(), which perfscore cannot tell is read-only (a stored function can write)"
    return None


def _plain(text: str) -> str:
    """A parser message without the terminal colour codes sqlglot puts around the culprit."""
    return "".join(ch for ch in text.replace("\x1b[4m", "").replace("\x1b[0m", "") if ch.isprintable())
