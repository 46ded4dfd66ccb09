"""Load a rubric file, following ``extends:`` so a team overrides only what it tunes."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from perfscore.errors import PerfscoreError
from perfscore.resources import default_rubric, rubrics_dir
from perfscore.rubric.model import Rubric
from perfscore.rubric.registry_check import RegistryCheck, did_you_mean
from perfscore.sanitize import clean_tree, known_secrets
from perfscore.yamlfile import MAX_BYTES, Loc, YamlDoc, format_validation_error, load_yaml

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


def _load_chain(
    path: Path, seen: tuple[Path, ...], read: list[_Stamp] | None = None, link: _Link | None = None
) -> YamlDoc:
    path = path.resolve()
    if path in seen:
        raise PerfscoreError(f"rubric {path}: 'extends' loops back to a file already read.")
    if len(seen) >= MAX_DEPTH:
        raise PerfscoreError(f"rubric {path}: 'extends' nests more than {MAX_DEPTH} levels.")
    if read is not None:
        read.append(_stamp(path, link))  # before it is parsed: a file changed meanwhile is read again next time
    doc = load_yaml(path, "rubric")
    ref = doc.data.pop("extends", None)
    if ref is None:
        return doc
    parent = _load_chain(_resolve_parent(ref, path), seen + (path,), read, (ref, path))
    lines: dict[Loc, tuple[Path, int]] = dict(parent.lines)
    lines.update(doc.lines)
    return YamlDoc(data=_merge(parent.data, doc.data), path=path, lines=lines)


_Link = tuple[object, Path]  # how a parent was reached: the child's `extends:` value and the child's path
_Stamp = tuple[Path, bytes | None, _Link | None]  # a file, what it held (None: not a regular file of at most
# MAX_BYTES), and the link that led to it (None: the rubric asked for)


def _stamp(path: Path, link: _Link | None) -> _Stamp:
    """What ``path`` holds now, compared whole: an mtime moves in steps of a few ms, and a test (or a
    script) may rewrite a rubric with the same size within one."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return (path, None, link)  # load_yaml says what is wrong with it; a FIFO is never opened here
        with path.open("rb") as fh:
            held = fh.read(MAX_BYTES + 1)
    except OSError:
        return (path, None, link)
    return (path, held if len(held) <= MAX_BYTES else None, link)


def _unchanged(s: _Stamp) -> bool:
    """The file holds what it held, and its link still leads to it (a symlink retargeted, a file now
    shadowing a bundled rubric)."""
    path, held, link = s
    if held is None:
        return False
    if link is not None:
        try:
            if _resolve_parent(link[0], link[1]).resolve() != path:
                return False
        except (PerfscoreError, OSError):
            return False
    return _stamp(path, link)[1] == held


def _registry_key() -> tuple[tuple[object, ...], ...]:
    """What the audits lend a rubric (title, unit, category): a test may patch an audit's spec."""
    from perfscore.audits import REGISTRY
    from perfscore.rubric.registry_check import FROM_AUDIT

    return tuple((mid, *(getattr(spec, k) for k in FROM_AUDIT)) for mid, spec in REGISTRY.items())


# The files of a rubric read once per process, as long as none of them changed, no new secret is known and the
# audits lend the same titles, units and categories: reading, checking and cleaning the default rubric takes
# ~50 ms, validating what that left 2 ms (each command loads it once; the suite runs ~300 commands in one
# process). Each call still gets a new Rubric.
_READ: dict[Path, tuple[list[_Stamp], tuple[object, ...], YamlDoc, Any]] = {}


def _read_rubric(top: Path) -> tuple[YamlDoc, Any]:
    from perfscore.rubric.registry_check import fill_from_audits

    key = (tuple(known_secrets()), _registry_key())
    hit = _READ.get(top.resolve())
    if hit is not None and hit[1] == key and all(_unchanged(s) for s in hit[0]):
        return hit[2], hit[3]
    read: list[_Stamp] = []
    doc = _load_chain(top, (), read)
    unknown = fill_from_audits(doc.data)  # the audit defines title, unit and category; the rubric scores
    if unknown:
        raise PerfscoreError("invalid rubric:\n  " + "\n  ".join(_no_audit(mid, doc) for mid in unknown[:5]))
    cleaned = clean_tree(doc.data)  # titles reach terminals, XML and labels
    if len(_READ) >= 8:
        _READ.clear()
    _READ[top.resolve()] = (read, key, doc, cleaned)
    return doc, cleaned


def load_rubric(path: Path | None = None) -> Rubric:
    from perfscore.rubric.registry_check import check

    doc, cleaned = _read_rubric(path or default_rubric())
    try:
        rubric = Rubric.model_validate(cleaned)
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
