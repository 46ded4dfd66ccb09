"""Load a rubric file, following ``extends:`` so a team overrides only what it tunes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from perfscore.errors import PerfscoreError
from perfscore.resources import default_rubric, rubrics_dir
from perfscore.rubric.model import Rubric
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
    from perfscore.rubric.registry_check import check

    doc = _load_chain(path or default_rubric(), ())
    try:
        rubric = Rubric.model_validate(clean_tree(doc.data))  # titles reach terminals, XML and labels
    except ValidationError as exc:
        raise PerfscoreError(format_validation_error(exc, doc, "rubric")) from None
    wrong = check(rubric).unit_errors
    if wrong:
        problems = "; ".join(
            f"{doc.where(('metrics', mid, 'unit'))}: metrics.{mid}.unit is {unit!r} but its audit measures {audit!r}"
            for mid, unit, audit in wrong[:5]
        )
        raise PerfscoreError(f"rubric {problems}.")
    return rubric
