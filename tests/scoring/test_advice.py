"""Advice from facts (issue 25): every remediation text of the default rubric, with and without the facts
it rests on. A measured fact that contradicts a text hides it; an app nobody could tell gets generic
advice, never LoanFlow's code; a known framework gets advice in its own terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from perfscore.artifacts import Artifacts
from perfscore.artifacts.php import OpcacheStatus, PhpSnapshot
from perfscore.artifacts.stack import Fact, StackSnapshot
from perfscore.artifacts.window import HostUsage
from perfscore.audits import derive
from perfscore.rubric import load_rubric
from perfscore.rubric.model import FACTS, Remediation
from perfscore.run import Measurement, Run, load_run
from perfscore.scoring import score_run
from perfscore.scoring.advice import choose, facts_of
from perfscore.scoring.core import score_all
from perfscore.scoring.roadmap import build_roadmap
from tests.conftest import perfscore

RUBRIC = load_rubric()
KEYED = {mid: m.remediation for mid, m in RUBRIC.metrics.items() if m.remediation.variants or m.remediation.assumes}


def _facts(**values: str | bool) -> dict[str, tuple[str | bool, str]]:
    return {k: (v, "test") for k, v in values.items()}


def _other(name: str, values: list[str | bool]) -> str | bool:
    return next(v for v in FACTS[name] if v not in values)


def test_the_default_rubric_keys_advice_on_facts() -> None:
    assert {"mysql.connections_per_request", "php.opcache", "http.page_cache", "host.cpu_utilisation"} <= set(KEYED)


@pytest.mark.parametrize("mid", sorted(mid for mid, r in KEYED.items() if r.assumes))
def test_each_assumed_text_is_hidden_by_a_contradicting_fact_and_by_not_knowing(mid: str) -> None:
    r = KEYED[mid]
    held = _facts(**{n: vs[0] for n, vs in r.assumes.items()})
    assert choose(r, held)[1] == r.action
    for name, values in r.assumes.items():
        contradicted = {**held, **_facts(**{name: _other(name, values)})}
        assert choose(r, contradicted)[1] != r.action, (mid, name)
    assert choose(r, {})[1] == r.generic  # not told: generic


@pytest.mark.parametrize(("mid", "index"), [(mid, i) for mid in sorted(KEYED) for i in range(len(KEYED[mid].variants))])
def test_each_variant_shows_with_its_facts_and_not_with_contradicting_ones(mid: str, index: int) -> None:
    r: Remediation = KEYED[mid]
    v = r.variants[index]
    facts = _facts(**{n: vs[0] for n, vs in v.when.items()})
    title, action, assumed = choose(r, facts)
    earlier = [w for w in r.variants[:index] if all(facts.get(n, (None,))[0] in vs for n, vs in w.when.items())]
    assert action == (earlier[0].action if earlier else v.action)
    assert assumed and all("(test)" in a for a in assumed)  # the facts it rests on, with their source
    for name, values in v.when.items():
        assert choose(r, {**facts, **_facts(**{name: _other(name, values)})})[1] != v.action or earlier


def test_named_cases() -> None:
    conn, opc, cache = (
        RUBRIC.metrics[m].remediation for m in ("mysql.connections_per_request", "php.opcache", "http.page_cache")
    )
    assert "PDO" not in choose(conn, _facts(db_client="mysqli"))[1]  # a mysqli app: no PDO advice
    assert "'p:" in choose(conn, _facts(db_client="mysqli"))[1]
    assert "PDO" not in choose(conn, _facts(db_client="mysqli", framework="plain-php"))[1]
    assert "PDO::ATTR_PERSISTENT" in choose(conn, _facts(db_client="pdo_mysql"))[1]
    assert "wpdb" in choose(conn, _facts(framework="wordpress", db_client="mysqli"))[1]
    title, action, _ = choose(opc, _facts(opcache_enabled=True))  # OPcache measured on: never "turn it on"
    assert "Turn OPcache on" not in title and "opcache.enable=1" not in action
    assert "WP Super Cache" in choose(cache, _facts(framework="wordpress"))[1]
    assert "passes them by" in choose(cache, _facts(page_cache_present=True, framework="wordpress"))[1]


def test_a_roadmap_item_says_which_measured_facts_its_advice_rests_on() -> None:
    meas = {"mysql.connections_per_request": Measurement(metric="mysql.connections_per_request", value=1.0)}
    scored = score_all(RUBRIC, meas)
    items, _ = build_roadmap(RUBRIC, scored, meas, facts=_facts(db_client="mysqli", framework="wordpress"))
    item = next(i for i in items if i.metric == "mysql.connections_per_request")
    assert "wpdb" in item.action and item.assumes == ["framework: wordpress (test)"], item
    bare = next(i for i in score_run(Run(measurements=list(meas.values())), RUBRIC).roadmap if i.metric == item.metric)
    # A run that tells nothing: the generic advice, never PDO's alone (a mysqli app would be told PDO).
    assert "PDO::ATTR_PERSISTENT" in bare.action and "'p:" in bare.action and bare.assumes == []


def test_a_fact_name_or_value_the_rubric_does_not_know_is_a_clear_error(tmp_path: Path) -> None:
    for n, (metric, body, why) in enumerate(
        (
            ("mysql.connections_per_request", "assumes: {db_driver: [pdo]}", "unknown stack fact 'db_driver'"),
            ("mysql.connections_per_request", "assumes: {db_client: [odbc]}", "db_client takes"),
            ("php.opcache", "assumes: {db_client: [mysqli]}", "needs a generic action"),
        )
    ):
        path = tmp_path / f"r{n}.yaml"
        path.write_text(f"extends: default\nmetrics:\n  {metric}:\n    remediation:\n      {body}\n")
        res = perfscore("rubric", "validate", str(path))
        assert res.code == 2 and why in res.err and "Traceback" not in res.err, res.err


def _clients(text: str) -> set[str]:
    """The MySQL clients a text gives code for: PDO's attribute, mysqli's ``p:`` host prefix."""
    return {c for c, mark in (("pdo", "PDO::ATTR_PERSISTENT"), ("mysqli", "'p:")) if mark in text}


@pytest.mark.parametrize(
    ("facts", "clients"),
    [
        ({"db_client": "pdo_mysql"}, {"pdo"}),
        ({"db_client": "mysqli"}, {"mysqli"}),
        ({"db_client": "both"}, {"pdo", "mysqli"}),  # stock Debian PHP loads both: a mysqli app is not told PDO
        ({"db_client": "both", "framework": "plain-php"}, {"pdo", "mysqli"}),
        ({}, {"pdo", "mysqli"}),  # not told: both clients, never one of them alone
        ({"db_client": "none"}, {"pdo", "mysqli"}),
        ({"db_client": "pdo_mysql", "framework": "laravel"}, {"pdo"}),  # Laravel connects through PDO
        ({"db_client": "both", "framework": "wordpress"}, set()),  # wpdb has no persistent option: a pool
    ],
)
def test_connection_reuse_advice_names_the_clients_the_app_can_use(facts: dict[str, str], clients: set[str]) -> None:
    r = RUBRIC.metrics["mysql.connections_per_request"].remediation
    _, action, assumed = choose(r, _facts(**facts))
    assert _clients(action) == clients, action
    if facts.get("db_client") == "both" and "framework" not in facts:
        assert assumed == ["db_client: both (test)"]


ON_DB_CLIENT = sorted(
    mid
    for mid, r in RUBRIC.metrics.items()
    if "db_client" in r.remediation.assumes or any("db_client" in v.when for v in r.remediation.variants)
)


@pytest.mark.parametrize("mid", ON_DB_CLIENT)
def test_no_remediation_gives_one_clients_code_where_both_or_neither_is_known(mid: str) -> None:
    """``both`` or not told: a text with one client's code has the other's too (or neither, a pool)."""
    r = RUBRIC.metrics[mid].remediation
    for facts in (_facts(db_client="both"), {}, _facts(framework="plain-php")):
        assert len(_clients(choose(r, facts)[1])) != 1, (mid, facts)
    assert _clients(choose(r, _facts(db_client="mysqli"))[1]) <= {"mysqli"}, mid
    assert _clients(choose(r, _facts(db_client="pdo_mysql"))[1]) <= {"pdo"}, mid


def _opcache(value: bool | None, status: str = "measured", **evidence: object) -> Measurement:
    return Measurement(metric="php.opcache", value=value, status=status, reason=None if value is not None else "x",
                       evidence=evidence)  # fmt: skip


@pytest.mark.parametrize(
    ("measured", "fact"),
    [
        (_opcache(True, source="opcache_get_status()"), (True, "opcache_get_status()")),
        (_opcache(True, source="pool www: opcache.enable = 1"), (True, "pool www: opcache.enable = 1")),
        # "on and not full" is false when the cache is full: OPcache is on all the same
        (
            _opcache(False, source="opcache_get_status()", full=["cache_full is set"]),
            (True, "opcache_get_status(): on, but full"),
        ),
        (_opcache(False, source="opcache_get_status()"), (False, "opcache_get_status()")),
        (_opcache(False), None),  # off or full, nobody said which: not told
        (_opcache(None, status="unavailable"), None),
    ],
)
def test_the_measured_opcache_state_is_a_fact(measured: Measurement, fact: tuple[bool, str] | None) -> None:
    assert facts_of(Run(measurements=[measured])).get("opcache_enabled") == fact


def test_measured_opcache_beats_the_binarys_ini_and_silences_turn_it_on() -> None:
    """The app's own pool answered opcache_get_status() with OPcache on; the PHP binary's -i said Off (the CLI
    SAPI's ini): no remediation says "turn OPcache on"."""
    run = Run(
        artifacts=Artifacts(
            php=PhpSnapshot(opcache=OpcacheStatus(path="/opcache-status", status=200, enabled=True)),
            stack=StackSnapshot(
                db_client=Fact(value="mysqli", source="php-fpm -m"),
                opcache_enabled=Fact(value=False, source="php-fpm -i: opcache.enable Off"),
            ),
        )
    )
    measurements = {m.metric: m for m in derive(run)}
    assert measurements["php.opcache"].value is True
    facts = facts_of(run, measurements)
    assert facts["opcache_enabled"] == (True, "opcache_get_status()")
    assert facts_of(run, {})["opcache_enabled"][0] is False  # without the measurement: the binary's ini
    for mid, m in RUBRIC.metrics.items():
        title, action, _ = choose(m.remediation, facts)
        said = f"{title} {action}".lower()
        assert "turn opcache on" not in said and "opcache.enable=1" not in said, mid
    cpu = choose(RUBRIC.metrics["host.cpu_utilisation"].remediation, facts)
    assert "already on" in cpu[1] and cpu[2] == ["opcache_enabled: true (opcache_get_status())"]


def test_a_scored_run_with_opcache_measured_on_is_not_told_to_turn_it_on() -> None:
    """No stack snapshot at all (no local PHP-FPM): the measurement alone decides."""
    run = Run(
        measurements=[
            _opcache(True, source="opcache_get_status()"),
            Measurement(metric="host.cpu_utilisation", value=3.0, unit="ratio"),
        ]
    )
    item = next(i for i in score_run(run, RUBRIC).roadmap if i.metric == "host.cpu_utilisation")
    assert "Turn OPcache on" not in item.action and item.assumes == ["opcache_enabled: true (opcache_get_status())"]
    unknown = next(
        i for i in score_run(Run(measurements=run.measurements[1:]), RUBRIC).roadmap if i.metric == item.metric
    )
    assert "Turn OPcache on" not in unknown.action and "Check that OPcache is on" in unknown.action


SAVED = Path(__file__).parents[1] / "fixtures" / "run-v2-reference-stack.json"


def _loaded(
    window: tuple[float, float] | None,
    steps: tuple[tuple[int, float, float, bool], ...] = (),
    *,
    app_here: bool = True,
    concurrent: bool = True,
) -> Run:
    """The saved reference run with this host's CPU during the window (busy, perfscore's own share of all
    cores) and at its ramp's steps (users, busy, own, generator saturated)."""
    run = load_run(SAVED)
    a = run.artifacts
    assert a is not None and a.window is not None and a.ramp is not None and a.memory is not None
    host = None
    if window is not None:
        busy, own = window
        host = HostUsage(wall_s=10.0, cores=2, busy_cpu_s=busy * 20.0, own_cpu_s=own * 20.0)
    at = {users: {"host_busy": b, "perfscore_busy": o, "generator_saturated": g} for users, b, o, g in steps}
    ramp = a.ramp.model_copy(
        update={"steps": [s.model_copy(update=at[s.concurrency]) if s.concurrency in at else s for s in a.ramp.steps]}
    )
    window_snap = a.window.model_copy(update={"host": host, "concurrent": concurrent})
    update = {"window": window_snap, "ramp": ramp, "memory": a.memory if app_here else None}
    return run.model_copy(update={"artifacts": a.model_copy(update=update)})


@pytest.mark.parametrize(
    ("run", "fact"),
    [
        (_loaded((0.97, 0.10)), True),  # the stack took 97 % of what the generator left it
        (_loaded((0.50, 0.30)), False),  # room to spare
        (_loaded((0.95, 0.90)), None),  # the generator took 90 %: the stack's share of a tenth is noise, not told
        (_loaded((0.70, 0.60)), False),  # the generator's own CPU is never the app's fault
        (_loaded((0.80, 0.00)), None),  # busy, not saturated: not told
        (_loaded((0.30, 0.10), ((16, 0.98, 0.05, False),)), True),  # the ramp ran it out
        (_loaded((0.30, 0.10), ((16, 0.98, 0.05, True),)), False),  # ... at a step the generator could not drive
        (_loaded((0.97, 0.10), app_here=False), None),  # the app runs elsewhere: this host's CPU is not its
        (_loaded((0.97, 0.10), concurrent=False), None),  # another tool's load ran before the window
        (_loaded(None), None),  # not sampled (an older run)
    ],
)
def test_cpu_bound_is_this_hosts_cpu_run_out_under_the_audits_load(run: Run, fact: bool | None) -> None:
    got = facts_of(run).get("cpu_bound")
    assert (got[0] if got else None) is fact, got
    if got:
        assert "perfscore's own use left aside" in got[1] and ("window" in got[1] or "16 users" in got[1])


def test_a_cpu_bound_host_is_told_to_cut_work_not_to_add_workers() -> None:
    fpm = RUBRIC.metrics["php.fpm_not_saturated"].remediation
    assert "Raise pm.max_children" in choose(fpm, _facts(cpu_bound=False))[1]
    assert "Raise pm.max_children" in choose(fpm, {})[1]
    title, action, assumed = choose(fpm, _facts(cpu_bound=True))
    assert "Do not raise pm.max_children" in action and "cheaper" in title and assumed == ["cpu_bound: true (test)"]
    # A saved run scored: the concurrency item follows the CPU the window measured.
    for run, workers in ((_loaded((0.97, 0.10)), False), (_loaded((0.40, 0.10)), True)):
        item = next(i for i in score_run(run, RUBRIC).roadmap if i.metric == "load.max_concurrency")
        assert ("more workers," in item.action) is workers, item.action
        assert item.assumes == (
            []
            if workers
            else ["cpu_bound: true (this host's CPU 97% busy in the window's traffic, perfscore's own use left aside)"]
        ), item.assumes
