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


def _load_chain(path: Path, seen: tuple[Path, ...], read: list[_Stamp] | None = None) -> YamlDoc:
    path = path.resolve()
    if path in seen:
        raise PerfscoreError(f"rubric {path}: 'extends' loops back to a file already read.")
    if len(seen) >= MAX_DEPTH:
        raise PerfscoreError(f"rubric {path}: 'extends' nests more than {MAX_DEPTH} levels.")
    if read is not None:
        read.append(_stamp(path))  # before it is parsed: a file changed meanwhile is read again next time
    doc = load_yaml(path, "rubric")
    ref = doc.data.pop("extends", None)
    if ref is None:
        return doc
    parent = _load_chain(_resolve_parent(ref, path), seen + (path,), read)
    lines: dict[Loc, tuple[Path, int]] = dict(parent.lines)
    lines.update(doc.lines)
    return YamlDoc(data=_merge(parent.data, doc.data), path=path, lines=lines)


_Stamp = tuple[Path, bytes | None]  # a file and what it held (None: not a regular file of at most MAX_BYTES)


def _stamp(path: Path) -> _Stamp:
    """What ``path`` holds now, compared whole: an mtime moves in steps of a few ms, and a test (or a
    script) may rewrite a rubric with the same size within one."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return (path, None)  # load_yaml says what is wrong with it; a FIFO is never opened here
        return (path, path.read_bytes())
    except OSError:
        return (path, None)


# The files of a rubric read once per process, as long as none of them changed and no new secret is known:
# reading, checking and cleaning the default rubric takes ~50 ms, validating what that left 2 ms (each
# command loads it once; the suite runs ~300 commands in one process). Each call still gets a new Rubric.
_READ: dict[Path, tuple[list[_Stamp], tuple[str, ...], YamlDoc, Any]] = {}


def _read_rubric(top: Path) -> tuple[YamlDoc, Any]:
    from perfscore.rubric.registry_check import fill_from_audits

    secrets = tuple(known_secrets())
    hit = _READ.get(top.resolve())
    if hit is not None and hit[1] == secrets and all(s[1] is not None and _stamp(s[0]) == s for s in hit[0]):
        return hit[2], hit[3]
    read: list[_Stamp] = []
    doc = _load_chain(top, (), read)
    unknown = fill_from_audits(doc.data)  # the audit defines title, unit and category; the rubric scores
    if unknown:
        raise PerfscoreError("invalid rubric:\n  " + "\n  ".join(_no_audit(mid, doc) for mid in unknown[:5]))
    cleaned = clean_tree(doc.data)  # titles reach terminals, XML and labels
    if len(_READ) >= 8:
        _READ.clear()
    _READ[top.resolve()] = (read, secrets, doc, cleaned)
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
