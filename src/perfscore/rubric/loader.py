"""Load a rubric file, following ``extends:`` so a team overrides only what it tunes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from perfscore.errors import PerfscoreError
from perfscore.resources import default_rubric, rubrics_dir
from perfscore.rubric.model import Rubric
from perfscore.rubric.registry_check import RegistryCheck, did_you_mean
from perfscore.sanitize import clean_tree
from perfscore.yamlfile import Loc, YamlDoc, format_validation_error, load_yaml

MAX_DEPTH = 8


def _resolve_parent(ref: object, child: Path) -> Path:
    if not isinstance(ref, str) or not ref.strip():
        raise PerfscoreError(f"rubric {child}: 'extends' must name a rubric file or 'default'.")
    if ref in ("default", "loanflow"):
        return default_rubric()
    bundled = rubrics_dir() / f"{ref}.yaml"
    candidate = (child.parent / ref).resolve()
    if candidate.exists() or not bundled.exists():
        return candidate
    return bundled


def _merge(base: Any, overlay: Any) -> Any:
    """Mappings merge key by key; a key set to null in the overlay is removed."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for k, v in overlay.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = _merge(base.get(k), v)
        return out
    return overlay


def _load_chain(path: Path, seen: tuple[Path, ...]) -> YamlDoc:
    path = path.resolve()
    if path in seen:
        raise PerfscoreError(f"rubric {path}: 'extends' loops back to a file already read.")
    if len(seen) >= MAX_DEPTH:
        raise PerfscoreError(f"rubric {path}: 'extends' nests more than {MAX_DEPTH} levels.")
    doc = load_yaml(path, "rubric")
    ref = doc.data.pop("extends", None)
    if ref is None:
        return doc
    parent = _load_chain(_resolve_parent(ref, path), seen + (path,))
    lines: dict[Loc, tuple[Path, int]] = dict(parent.lines)
    lines.update(doc.lines)
    return YamlDoc(data=_merge(parent.data, doc.data), path=path, lines=lines)


def load_rubric(path: Path | None = None) -> Rubric:
    from perfscore.rubric.registry_check import check, fill_from_audits

    doc = _load_chain(path or default_rubric(), ())
    unknown = fill_from_audits(doc.data)  # the audit defines title, unit and category; the rubric scores
    if unknown:
        raise PerfscoreError("invalid rubric:\n  " + "\n  ".join(_no_audit(mid, doc) for mid in unknown[:5]))
    try:
        rubric = Rubric.model_validate(clean_tree(doc.data))  # titles reach terminals, XML and labels
    except ValidationError as exc:
        raise PerfscoreError(format_validation_error(exc, doc, "rubric")) from None
    found = check(rubric)
    if found.errors:
        raise PerfscoreError("invalid rubric:\n  " + "\n  ".join(_registry_problems(found, doc)[:5]))
    return rubric


def _no_audit(mid: str, doc: YamlDoc) -> str:
    return (
        f"{doc.where(('metrics', mid))}: metrics.{mid}: no audit produces {mid}{did_you_mean(mid)}: a metric "
        "only saved or imported runs carry needs 'audited: false' with its own title, unit and category"
    )


def _registry_problems(found: RegistryCheck, doc: YamlDoc) -> list[str]:
    out = [_no_audit(mid, doc) for mid in found.unexpected]
    out += [
        f"{doc.where(('metrics', mid, 'audited'))}: metrics.{mid}.audited is false but an audit produces {mid}: "
        "leave 'audited' out"
        for mid in found.audited_anyway
    ]
    out += [
        f"{doc.where(('metrics', mid, 'unit'))}: metrics.{mid}.unit is {unit!r} but its audit measures {audit!r} "
        "(leave unit out: the audit sets it)"
        for mid, unit, audit in found.unit_errors
    ]
    out += [
        f"{doc.where(('metrics', mid, 'category'))}: metrics.{mid}.category is {cat!r} but its audit files it "
        f"under {audit!r} (leave category out: the audit sets it)"
        for mid, cat, audit in found.category_errors
    ]
    return out
