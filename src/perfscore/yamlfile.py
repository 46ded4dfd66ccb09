"""Load YAML so that validation errors can name the file, the YAML path and the line."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from perfscore.errors import PerfscoreError

Loc = tuple[str | int, ...]

MAX_BYTES = 8 * 1024 * 1024

# libyaml's parser when PyYAML has it (Debian's and the wheels do): the default rubric parses in 10 ms, not
# 140 ms, on every command. It refuses nesting past 1,000 levels itself. The document is parsed once: the
# nodes give the line numbers, and the safe constructor builds the data from the same nodes.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDoc:
    data: Any
    path: Path
    lines: dict[Loc, tuple[Path, int]] = field(default_factory=dict)

    def where(self, loc: Iterable[str | int]) -> str:
        """``file:line`` of the deepest part of ``loc`` that the document has."""
        parts = tuple(loc)
        for n in range(len(parts), -1, -1):
            hit = self.lines.get(parts[:n])
            if hit is not None:
                return f"{hit[0]}:{hit[1]}"
        return str(self.path)


def _walk(node: yaml.Node, loc: Loc, path: Path, out: dict[Loc, tuple[Path, int]]) -> None:
    out.setdefault(loc, (path, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
            out[loc + (k,)] = (path, key.start_mark.line + 1)
            _walk(value, loc + (k,), path, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, loc + (i,), path, out)


def read_text(path: Path, what: str) -> str:
    """A text input, refused unless it is a regular file of at most MAX_BYTES: /dev/zero never ends and
    a FIFO blocks until someone writes to it."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            raise PerfscoreError(f"{what} {path} is not a regular file (a device, FIFO or socket).")
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PerfscoreError(f"{what} {path} does not exist.") from None
    except IsADirectoryError:
        raise PerfscoreError(f"{what} {path} is a directory, not a file.") from None
    except OSError as exc:
        raise PerfscoreError(f"{what} {path} cannot be read: {exc.strerror}.") from None
    if len(raw) > MAX_BYTES:
        raise PerfscoreError(f"{what} {path} is larger than {MAX_BYTES // (1024 * 1024)} MiB.")
    if b"\x00" in raw:
        raise PerfscoreError(f"{what} {path} is binary, not text.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PerfscoreError(f"{what} {path} is not UTF-8 text (bad byte at offset {exc.start}).") from None


MAX_NODES = 200_000  # the document with its aliases expanded: a real config has a few hundred
MAX_DEPTH = 64


def _expanded_size(root: yaml.Node, what: str, path: Path) -> None:
    """Refuse a document whose aliases expand past MAX_NODES (a 352-byte "billion laughs" is 1.9 GB
    once expanded) or whose nesting passes MAX_DEPTH, before anything walks it."""
    seen: dict[int, tuple[int, int]] = {}  # node -> (values once expanded, levels below it)

    def size(node: yaml.Node, depth: int) -> tuple[int, int]:
        if depth > MAX_DEPTH:
            raise PerfscoreError(f"{what} {path}: nested more than {MAX_DEPTH} levels deep.")
        if isinstance(node, yaml.ScalarNode):
            return 1, 1  # most of a document: one value, no level below, whatever aliases it
        key = id(node)
        if key not in seen:
            children = [c for kv in node.value for c in kv] if isinstance(node, yaml.MappingNode) else list(node.value)
            n, below = 1, 0
            for c in children:
                cn, ch = size(c, depth + 1)
                n += cn
                below = max(below, ch)
            if n > MAX_NODES:
                raise PerfscoreError(
                    f"{what} {path}: more than {MAX_NODES:,} values once its aliases are expanded (an alias bomb?)."
                )
            seen[key] = (n, 1 + below)
        n, height = seen[key]
        if depth + height > MAX_DEPTH + 1:  # an anchor first met shallow, then reached through a deep alias
            raise PerfscoreError(f"{what} {path}: nested more than {MAX_DEPTH} levels deep.")
        return n, height

    size(root, 0)


def read_json(path: Path, what: str, hint: str = "") -> Any:
    """A JSON input file: regular, capped, and parsed without a traceback whatever it holds."""
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PerfscoreError(f"{what} {path}:{exc.lineno}: not valid JSON ({exc.msg}){hint}.") from None
    except RecursionError:
        raise PerfscoreError(f"{what} {path}: nested too deeply to read.") from None
    except ValueError as exc:  # an integer past Python's 4,300 digits: no figure of perfscore's is one
        raise PerfscoreError(f"{what} {path}: {_value_problem(exc)}.") from None


def _value_problem(exc: ValueError) -> str:
    if "integer string conversion" in str(exc):
        return "holds an integer of more than 4,300 digits, which no figure can be"
    return f"holds a value that cannot be read ({str(exc)[:120]})"


def load_yaml(path: Path, what: str) -> YamlDoc:
    text = read_text(path, what)
    try:
        node = yaml.compose(text, Loader=_LOADER)
        if node is not None:
            _expanded_size(node, what, path)
        data = yaml.constructor.SafeConstructor().construct_document(node) if node is not None else None
    except RecursionError:
        raise PerfscoreError(f"{what} {path}: nested too deeply to read.") from None
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit
            raise PerfscoreError(f"{what} {path}: nested too deeply to read.") from None
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise PerfscoreError(f"{what} {path}{line}: not valid YAML: {problem}.") from None
    except yaml.YAMLError as exc:
        raise PerfscoreError(f"{what} {path}: not valid YAML: {exc}.") from None
    except ValueError as exc:  # the constructor's int() of a 5,000-digit scalar
        raise PerfscoreError(f"{what} {path}: {_value_problem(exc)}.") from None
    if node is None or data is None:
        raise PerfscoreError(f"{what} {path} is empty.")
    if not isinstance(data, dict):
        raise PerfscoreError(f"{what} {path} must be a mapping at the top level, not {type(data).__name__}.")
    lines: dict[Loc, tuple[Path, int]] = {}
    try:
        _walk(node, (), path, lines)
    except RecursionError:
        raise PerfscoreError(f"{what} {path}: nested too deeply to read.") from None
    return YamlDoc(data=data, path=path, lines=lines)


def format_validation_error(exc: ValidationError, doc: YamlDoc, what: str, limit: int = 5) -> str:
    """One message naming, for each problem, its place as ``file:line`` and the YAML path."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _UNION_TAGS))
        dotted = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{doc.where(loc)}: {dotted}: {msg}")
    more = len(exc.errors()) - limit
    tail = f"\n  … and {more} more" if more > 0 else ""
    return f"invalid {what}:\n  " + "\n  ".join(parts) + tail


# pydantic puts the tag of a discriminated union in the error location.
_UNION_TAGS = {"lognormal", "linear", "piecewise", "boolean"}
