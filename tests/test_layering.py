"""The import direction between perfscore's packages and top-level modules, written once.

``LAYERS`` lists every package and top-level module of ``src/perfscore``, lowest layer first. A module
may import from its own layer or a lower one, never from a higher one: an import inside a function or
under ``TYPE_CHECKING`` counts the same (a lazy import is still a dependency). A new package or
top-level module fails the test until it is given a layer here. Between packages there is no cycle at
all, within a layer either.
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src" / "perfscore"

LAYERS: list[tuple[str, ...]] = [
    # perfscore's version and its error type.
    ("__init__", "errors"),
    # Helpers that know no domain: text, files, YAML, durations, patterns, TLS, URLs, the USL fit, curves.
    (
        "sanitize",
        "yamlfile",
        "files",
        "durations",
        "patterns",
        "sqlguard",
        "sqltext",
        "tls",
        "urls",
        "usl",
        "resources",
        "curves",
        "gate_expr",
        "logevents",
        "logformat",
        "slowlog",
        "routes",
    ),
    # What a load run takes and gives (spec, result): below the snapshots that hold it and the engines.
    ("loadmodel",),
    # The snapshots the gatherers fill and the audits read.
    ("artifacts",),
    # The target's configuration; a saved run (measurements and snapshots).
    ("config", "run"),
    # The pure core: metrics from snapshots, the rubric that scores them, the scored result, the scoring.
    ("audits",),
    ("rubric",),
    ("result", "budgets", "gate", "history"),
    ("scoring",),
    # Above the pure core: the load engines, the reports, the probes, other tools' results read as ours.
    ("load",),
    # The access logs' requests (field data): read with the load engine's HDR histograms.
    ("field",),
    ("reporters",),
    # What this machine serves at a URL, asked of its running servers (sockets, nginx -T, php-fpm -tt).
    ("host",),
    ("gatherers",),
    ("imports", "discover", "intent"),
    # One audit: gatherers, engines and audits driven together; then the commands.
    ("session",),
    ("cli",),
    ("__main__",),
]

LAYER = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(path: Path, root: Path = SRC) -> str:
    """The package or top-level module a file belongs to: ``load`` for load/engine.py, ``config`` for config.py."""
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _units() -> set[str]:
    return {_unit(p) for p in SRC.rglob("*.py")}


def _target(module: str) -> str | None:
    """The unit a ``perfscore.…`` module name belongs to; None for anything outside perfscore."""
    parts = module.split(".")
    if parts[0] != "perfscore":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, root: Path = SRC) -> list[tuple[int, str, str | None]]:
    """(line, module, unit it belongs to: None outside perfscore) of every import in ``path``, wherever it is."""
    package = ".".join(("perfscore", *path.relative_to(root).with_suffix("").parts))
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            if base == "perfscore":  # ``from perfscore import tls`` imports perfscore.tls, not perfscore itself
                names = [
                    f"perfscore.{a.name}" if (root / a.name).is_dir() or (root / f"{a.name}.py").is_file() else base
                    for a in node.names
                ]
            else:
                names = [base]
        found += [(node.lineno, name, _target(name)) for name in names]
    return found


@functools.cache  # the tree does not change during a run: two tests read one walk of it
def _edges() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) between different units → where: 'load/target.py:11 imports perfscore.urls'."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        src = _unit(path)
        for line, name, dst in _imports(path):
            if dst is not None and dst != src:
                edges[(src, dst)].append(f"{path.relative_to(SRC)}:{line} imports {name}")
    return edges


def test_every_package_and_top_level_module_has_a_layer() -> None:
    missing = sorted(_units() - set(LAYER))
    assert not missing, f"give these a layer in LAYERS: {missing}"
    gone = sorted(set(LAYER) - _units())
    assert not gone, f"LAYERS names what src/perfscore no longer holds: {gone}"
    assert len(LAYER) == sum(len(layer) for layer in LAYERS), "a unit is listed in two layers"


def test_imports_go_down_the_layers_only() -> None:
    upward = [
        f"{where} (layer {LAYER[src]} '{src}' importing layer {LAYER[dst]} '{dst}')"
        for (src, dst), wheres in sorted(_edges().items())
        if src in LAYER and dst in LAYER and LAYER[dst] > LAYER[src]
        for where in wheres
    ]
    assert not upward, "imports against the layering (tests/test_layering.py LAYERS):\n" + "\n".join(upward)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as [a, b, …, a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


# Pure layers: no I/O client in them, not even imported inside a function.
PURE = ("artifacts", "audits", "curves", "rubric", "scoring", "loadmodel", "usl")
IO_CLIENTS = ("pymysql", "redis", "psutil", "http.client", "socket", "subprocess")


def test_pure_layers_import_no_io_client() -> None:
    bad = [
        f"{path.relative_to(SRC)}:{line} imports {name}"
        for path in sorted(SRC.rglob("*.py"))
        if _unit(path) in PURE
        for line, name, _ in _imports(path)
        if name in IO_CLIENTS or name.startswith(tuple(f"{c}." for c in IO_CLIENTS))
    ]
    assert not bad, "\n".join(bad)


def test_no_cycle_between_packages() -> None:
    edges = _edges()
    graph: dict[str, set[str]] = defaultdict(set)
    for src, dst in edges:
        graph[src].add(dst)
    cycle = _cycle(graph) or []
    where = [edges[(a, b)][0] for a, b in zip(cycle, cycle[1:], strict=False)]
    assert not cycle, "a cycle between packages: " + " → ".join(cycle) + "\n" + "\n".join(where)


def test_the_checks_see_a_lazy_import_and_a_cycle(tmp_path: Path) -> None:
    """The test's own tools: an import inside a function is found; a two-package loop is a cycle."""
    (tmp_path / "cli").mkdir()
    module = tmp_path / "cli" / "m.py"
    module.write_text(
        "import os\n"
        "def f():\n"
        "    from perfscore.cli import app\n"
        "    import perfscore.session.runner\n"
        "    from ..load import engine\n"
        "    from perfscore import cli, __version__\n"
    )
    assert [(line, unit) for line, _, unit in _imports(module, tmp_path)] == [
        (1, None),
        (3, "cli"),
        (4, "session"),
        (5, "load"),
        (6, "cli"),
        (6, "__init__"),
    ]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None
