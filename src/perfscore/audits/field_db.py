"""The database over the users' period (issue 28): the slow log's statements of the hours the access logs cover,
EXPLAINed. A full scan the users' traffic runs and the audit's window did not is what the lab mix misses; a scan
the window ran too is judged once, by ``mysql.full_scan_statements``."""

from __future__ import annotations

import re
from typing import Any

from perfscore.artifacts.field import FieldSnapshot
from perfscore.artifacts.field_db import FieldDatabaseSnapshot
from perfscore.artifacts.mysql import MySQLSnapshot
from perfscore.audits.base import REGISTRY, Outcome, audit, measured, not_applicable, unavailable
from perfscore.audits.mysql import HOT_PER, WHY_NO_WHERE, _scans_in, digest_deltas, unindexable
from perfscore.sqltext import mask_literals, normalize_sql


def _hours(d: FieldDatabaseSnapshot) -> str:
    seconds = d.ended - d.began
    if seconds >= 3600:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 60:,.0f} min" if seconds >= 120 else f"{seconds:,.0f} s"


def _lab(s: MySQLSnapshot | None) -> set[str] | None:
    """What the audit's window ran or EXPLAINed, by fingerprint; None when the window saw no database."""
    if s is None or (s.slow_log is None and s.digests_after is None):
        return None  # the window's statements were not seen: whether it ran one is unknown
    seen = {normalize_sql(st.sql) for st in s.slow_log or []}
    seen |= {normalize_sql(d.text) for d, _, _ in digest_deltas(s)}
    seen |= {normalize_sql(q.sql) for q in s.queries}
    return seen


DIGESTS_SHOWN = 5

# A digest names no user: perfscore's own reads (the slow log table, the catalogue, SHOW, SELECT @@ or NOW()) are told
# by what they read. An app's statements do not read the server's own schemas.
SERVERS_OWN = re.compile(
    r"(?i)^\s*(show|set|explain|kill)\b|^\s*select\s+(@@|now\s*\()"
    r"|\b(mysql|information_schema|performance_schema|sys)\s*`?\s*\.\s*`?\w"
)


def _digests(d: FieldDatabaseSnapshot) -> dict[str, Any]:
    """performance_schema's statements last seen in the period, the most time first: what the users' traffic
    ran beside the slow log, statements under long_query_time included; not perfscore's own reads."""
    if d.digests is None:
        return {"digests_note": "performance_schema is off, or its digests could not be read"}
    apps = [g for g in d.digests if not SERVERS_OWN.search(g.text)]
    rows = sorted(apps, key=lambda g: -g.sum_timer_wait_ps)[:DIGESTS_SHOWN]
    return {
        "digests": [
            {
                "statement": mask_literals(" ".join(g.text.split()))[:300],
                "runs": g.count_star,
                "total_s": round(g.sum_timer_wait_ps / 1e12, 3),
                "no_index_runs": g.sum_no_index_used,
                "rows_per_run": round(g.sum_rows_examined / max(g.count_star, 1), 1),
                "last_seen": g.last_seen,
            }
            for g in rows
        ],
        "digests_note": f"{len(apps):,} performance_schema digests last seen in the period (left out: "
        f"{len(d.digests) - len(apps):,} that read the server's own schemas or settings, as perfscore's do); their "
        "counts run from each one's first_seen (the server keeps no history), so they may cover more than the period"
        + ("; none of the app's: prepared statements leave no digest in MariaDB" if not apps else ""),
    }


@audit(
    "field.db_full_scans",
    title="Full scans the users' traffic ran beyond the lab's",
    unit="statements",
    category="database",
    description="statements of the slow log over the access logs' period (field.since before the audit) whose plan "
    "scans ≥ 1,000 rows and that the audit's window did not run, each 1 (the window's own are judged by "
    "mysql.full_scan_statements); folded by fingerprint as pt-query-digest folds them; the evidence also lists "
    "performance_schema's digests last seen in the period, the most time first",
    source="https://docs.percona.com/percona-toolkit/pt-query-digest.html",
)
def db_full_scans(d: FieldDatabaseSnapshot, f: FieldSnapshot | None, s: MySQLSnapshot | None) -> Outcome:
    if d.statements is None:
        reason = f"no slow log over the users' period: {d.statements_note or 'it could not be read'}"
        # mysql.slow_query_log scores a slow log that is off: this one has nothing to judge then
        return not_applicable(reason) if d.slow_log_off else unavailable(reason)
    requests = f.summary.requests if f is not None and not f.error else None
    lab = _lab(s)
    scans: list[dict[str, Any]] = []
    rare: list[str] = []
    for st in d.statements:
        for row in _scans_in(st.plan or []):
            why = unindexable(st.sql)
            text = " ".join(st.sql.split())[:2000]
            if requests and st.executions * HOT_PER < requests and why == WHY_NO_WHERE:
                rare.append(f"{row.table}: ran {st.executions:,}x for {requests:,} user requests (an aggregate "
                            f"under 1 request in {HOT_PER}: a cache refill, not judged): {text[:160]}")  # fmt: skip
                continue
            scans.append(
                {
                    "statement": text,
                    "table": row.table,
                    "rows": row.rows,
                    "executions": st.executions,
                    "seconds": st.total_s,
                    "max_s": st.max_s,
                    "unindexable": why,
                    "in_lab": None if lab is None else normalize_sql(st.sql) in lab,
                }  # fmt: skip
            )
    beyond = [x for x in scans if not x["in_lab"]]
    period = _hours(d)
    spent = sum(float(x["seconds"]) for x in beyond)
    saving: dict[str, Any] = {}
    if requests and spent:
        saving = {"saving_ms": round(spent * 1000 / requests, 3), "saving_basis": f"the scans' slow-log time over "
                  f"the users' period ({spent:,.2f} s over {requests:,} user requests)"}  # fmt: skip
    if beyond:
        which = " the audit's window did not run" if lab is not None else ""
        summary = f"{len(beyond)} statement{'s' if len(beyond) > 1 else ''} of the users' {period} scan whole " + (
            f"tables{which}: "
            + "; ".join(
                f"{x['table']}: {x['executions']:,} runs, {x['seconds']:,.1f} s, ~{x['rows']:,} rows each, in "
                f"{x['statement'][:120]}"
                for x in beyond[:3]
            )
        )
    elif d.statements:
        top = d.statements[0]
        also = f"; {len(scans)} full scan(s) the window ran too, judged there" if scans else ""
        summary = (
            f"{d.executions:,} slow statements in {d.classes:,} classes over the users' {period}; none scans a whole "
            f"table beyond the lab's{also}; the most time: {top.executions:,} runs, {top.total_s:,.1f} s in "
            f"{' '.join(top.sql.split())[:120]}"
        )
    else:
        threshold = "?" if d.long_query_time_s is None else f"{d.long_query_time_s:g}"
        summary = f"no slow statement over the users' {period} (long_query_time {threshold} s)"
        if d.own_excluded:
            summary += (
                f"; {d.own_excluded:,} were perfscore's own MySQL user's, left out: if the app connects as that "
                "user too, give perfscore a user of its own"
            )
    advice = f"{beyond[0]['table']}: {beyond[0]['unindexable']}" if beyond and beyond[0]["unindexable"] else None
    return measured(
        float(len(beyond)),
        low_confidence=f"the slow log was {d.cut}" if d.cut else None,
        summary=summary,
        advice=advice,
        statements=beyond + [x for x in scans if x["in_lab"]],
        rare=rare[:5],
        source=d.source,
        slow_log_file=d.slow_log_file,
        slow_statements=d.executions,
        classes=d.classes,
        period_began=d.began,
        period_ended=d.ended,
        prometheus={p.query: p.mean for p in d.prometheus or [] if p.error is None},
        **saving,
        **_digests(d),
    )


# Scored only when the run read access logs (perfscore.scoring.scope.unchosen_half), as field.lab_gap.
FIELD_ONLY = next(mid for mid, spec in REGISTRY.items() if spec.fn is db_full_scans)
