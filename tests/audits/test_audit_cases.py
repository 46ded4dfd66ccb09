"""Table-driven audits: a snapshot in, the measurement out (tests/audits/cases/*.yaml). No server needed.

Each case file is a list of cases. A case names the artifact it holds (``artifact``, with ``snapshot``
as saved in a Run; ``with`` holds the further artifacts an audit of several reads) and, per metric,
what its audit must say: status, value, reason/low_confidence/summary/advice (substring, or null for none)
and a subset of the evidence (strings there match as substrings).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from perfscore.artifacts import Artifacts
from perfscore.artifacts.base import Snapshot
from perfscore.audits import REGISTRY
from perfscore.run import Measurement

CASES = Path(__file__).parent / "cases"
MIN_CASES = 3


def _load() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            out.append((f"{path.stem}: {case['name']}", case))
    return out


ALL = _load()


def _snapshot_type(artifact: str) -> type[Snapshot]:
    annotation = Artifacts.model_fields[artifact].annotation
    cls = next(a for a in getattr(annotation, "__args__", ()) if isinstance(a, type) and issubclass(a, Snapshot))
    return cls


def _subset(expected: Any, actual: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{where}.{k} missing from {sorted(actual)}"
            _subset(v, actual[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} vs {expected!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _subset(e, a, f"{where}[{i}]")
    elif isinstance(expected, str):
        assert isinstance(actual, str) and expected in actual, f"{where}: {expected!r} not in {actual!r}"
    elif isinstance(expected, float) and not isinstance(actual, bool):
        assert actual == pytest.approx(expected, abs=1e-6), where
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def _text(expected: str | None, actual: str | None, where: str) -> None:
    if expected is None:
        assert actual is None, f"{where}: expected none, got {actual!r}"
    else:
        assert actual is not None and expected.lower() in actual.lower(), f"{where}: {expected!r} not in {actual!r}"


EXPECTABLE = {"status", "value", "reason", "low_confidence", "summary", "advice", "evidence"}


def check(m: Measurement, exp: dict[str, Any]) -> None:
    assert set(exp) <= EXPECTABLE, f"a case expects {sorted(set(exp) - EXPECTABLE)}, which no audit outcome has"
    assert m.status == exp.get("status", "measured"), (m.status, m.reason)
    if "value" in exp:
        if isinstance(exp["value"], bool) or exp["value"] is None:
            assert m.value is exp["value"] or m.value == exp["value"], (m.value, exp["value"])
        else:
            assert m.value == pytest.approx(exp["value"], abs=1e-6), (m.value, exp["value"])
    for field in ("reason", "low_confidence", "summary", "advice"):
        if field in exp:
            _text(exp[field], getattr(m, field), field)
    _subset(exp.get("evidence", {}), m.evidence, "evidence")


@pytest.mark.parametrize(("name", "case"), ALL, ids=[n for n, _ in ALL])
def test_case(name: str, case: dict[str, Any]) -> None:
    snapshot = _snapshot_type(case["artifact"]).model_validate(case["snapshot"])
    more = {name: _snapshot_type(name).model_validate(doc) for name, doc in case.get("with", {}).items()}
    for metric, exp in case["expect"].items():
        spec = REGISTRY[metric]
        assert spec.reads == case["artifact"], f"{metric} reads {spec.reads}, not {case['artifact']}"
        m = spec.run(snapshot, *(more.get(name) for name in spec.also))
        assert not (m.reason or "").startswith("audit failed"), m.reason
        try:
            check(m, exp)
        except AssertionError as exc:
            raise AssertionError(f"{metric}: {exc}") from None


def test_every_audit_has_enough_cases() -> None:
    counts = dict.fromkeys(REGISTRY, 0)
    for _, case in ALL:
        for metric in case["expect"]:
            counts[metric] += 1
    thin = {m: n for m, n in counts.items() if n < MIN_CASES}
    assert not thin, f"audits with fewer than {MIN_CASES} table cases: {thin}"


def test_cases_name_only_declared_metrics() -> None:
    unknown = {m for _, case in ALL for m in case["expect"]} - set(REGISTRY)
    assert not unknown, f"cases for metrics no audit declares: {unknown}"
