"""The package's layering: imports go downward only, and no module-level import cycles.

The layers, lowest first, are the core modules (:data:`CORE`), then
``netcollapse.SUBPACKAGES`` in order; the top-level ``netcollapse/__init__.py``
(a lazy facade over every layer) and ``netcollapse/__main__.py`` (the command
line's entry) sit above them all. A module may import from its own layer or
lower ones. Imports are read with :mod:`ast`, wherever they are (module level,
inside functions, under ``TYPE_CHECKING``): ``import netcollapse.x``,
``from netcollapse.x import y`` (``y`` may be a module), relative imports and
``importlib.import_module("netcollapse.x")`` / ``__import__`` with a string
literal. ``from netcollapse import __version__`` (or ``SUBPACKAGES``) is allowed
anywhere (:data:`ROOT_METADATA`).

Cycles are checked on what runs at import time: statements at module level and
in class bodies, not in functions or ``if TYPE_CHECKING:`` blocks; and again with
the ``TYPE_CHECKING`` imports counted as edges (a type checker's view), so the
modules form no cycle even in their annotations. Importing ``a.b.c`` first runs
the ``__init__`` of ``a.b``, so an import of a module of another package also
depends on that package's ``__init__`` (cycles through package ``__init__`` files
are cycles too).

No module imports another module's private name: ``from netcollapse.x import _y``
(also relative, and whatever ``as`` renames it to) fails unless ``_y`` is a module;
a helper used across modules gets a public name (a private module such as
``spectral/_linalg.py`` may hold public names, kept out of its subpackage's
``__all__``). Attribute access (``import netcollapse.x as m; m._y``) is not checked.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import netcollapse

ROOT = Path(netcollapse.__file__).resolve().parent
CORE = ("errors", "_json", "_io", "_storage", "_spec", "_validation", "_random")
TOP = ("__init__", "__main__")
LAYERS = ("core", *netcollapse.SUBPACKAGES, "top")
ROOT_METADATA = ("__version__", "SUBPACKAGES")
"""Constants of the top-level ``__init__`` that any layer may import: the facade
runs before any module of the package anyway, and these need none of its lazy names."""


@dataclass(frozen=True)
class Edge:
    source: str  # importing module
    target: str  # imported module (or package)
    line: int
    runtime: bool  # runs when ``source`` is imported
    module_level: bool = False  # at module or class level, ``TYPE_CHECKING`` blocks included


# ----------------------------------------------------------------------------- the modules
def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def layer(module: str, root_name: str = "netcollapse") -> str:
    """The layer of a module (raises on a module no layer claims)."""
    parts = module.split(".")
    if module == root_name or (len(parts) == 2 and parts[1] == "__main__"):
        return "top"
    if parts[1] in CORE and len(parts) == 2:
        return "core"
    if parts[1] in netcollapse.SUBPACKAGES:
        return parts[1]
    raise AssertionError(f"{module}: in no layer; add it to CORE or to a subpackage")


def rank(module: str) -> int:
    return LAYERS.index(layer(module))


# ----------------------------------------------------------------------------- the imports
def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, runtime: bool, module_level: bool) -> Iterator[tuple[ast.AST, bool, bool]]:
    """Every node with whether it runs at import time, and whether it would if
    ``TYPE_CHECKING`` were true (not inside a function)."""
    for child in ast.iter_child_nodes(node):
        here, level = runtime, module_level
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            here = level = False
        yield child, here, level
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield stmt, False, level
                yield from _walk(stmt, False, level)
            for stmt in child.orelse:
                yield stmt, here, level
                yield from _walk(stmt, here, level)
            continue
        yield from _walk(child, here, level)


def _resolve(source: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports(source: str, path: Path, known: set[str]) -> list[Edge]:
    """The netcollapse modules ``source`` imports, with line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    root = source.split(".")[0]
    edges = []

    def add(target: str, node: ast.AST, runtime: bool, level: bool) -> None:
        if target == root or target.startswith(root + "."):
            edges.append(Edge(source, target, node.lineno, runtime, level))

    for node, runtime, level in _walk(tree, True, True):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node, runtime, level)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(source, is_package, node.level, node.module)
            for alias in node.names:
                if base == root and alias.name in ROOT_METADATA:
                    continue
                sub = f"{base}.{alias.name}"
                add(sub if sub in known else base, node, runtime, level)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
            ):
                add(arg.value, node, runtime, level)
    return edges


def private_imports(root: Path = ROOT) -> list[str]:
    """Readable lines, one per ``from netcollapse.x import _name`` (``_name`` not a module)."""
    found = modules(root)
    out = []
    for source, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        root_name = source.split(".")[0]
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = _resolve(source, is_package, node.level, node.module)
            if base != root_name and not base.startswith(root_name + "."):
                continue
            for alias in node.names:
                name = alias.name
                private = name.startswith("_") and not name.startswith("__")
                if private and f"{base}.{name}" not in found:
                    out.append(f"{source} imports {base}.{name}, line {node.lineno}")
    return sorted(out)


def all_edges(root: Path = ROOT) -> list[Edge]:
    found = modules(root)
    known = set(found)
    edges = [e for name, path in found.items() for e in imports(name, path, known)]
    unknown = sorted(
        {f"{e.source}:{e.line} imports {e.target}" for e in edges if e.target not in known}
    )
    assert not unknown, "imports of modules that do not exist:\n  " + "\n  ".join(unknown)
    return edges


# ----------------------------------------------------------------------------- the checks
def upward(edges: list[Edge]) -> list[str]:
    """Readable lines, one per import of a higher layer."""
    return sorted(
        f"{e.source} ({layer(e.source)}) imports {e.target} ({layer(e.target)}), line {e.line}"
        for e in edges
        if rank(e.target) > rank(e.source)
    )


def runtime_graph(edges: list[Edge], type_checking: bool = False) -> dict[str, set[str]]:
    """Import-time dependencies, with the ``__init__`` of every package entered on the way.

    ``type_checking=True`` also counts the imports under ``if TYPE_CHECKING:``.
    """
    graph: dict[str, set[str]] = {}
    for e in edges:
        counted = e.runtime or (type_checking and e.module_level)
        if not counted or e.target == e.source:
            continue
        mine = {".".join(e.source.split(".")[:i]) for i in range(1, e.source.count(".") + 2)}
        parts = e.target.split(".")
        for i in range(1, len(parts) + 1):
            step = ".".join(parts[:i])
            if step not in mine:  # packages the importer is not already inside
                graph.setdefault(e.source, set()).add(step)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(_one_cycle(graph, set(comp)))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def _one_cycle(graph: dict[str, set[str]], comp: set[str]) -> list[str]:
    start = min(comp)
    prev: dict[str, str] = {}
    queue = [start]
    while queue:  # breadth-first back to start inside the component: a shortest cycle
        v = queue.pop(0)
        for w in sorted(graph.get(v, ()) & comp):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return [*reversed(path), start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    raise AssertionError(f"no cycle in {sorted(comp)}")  # pragma: no cover


# ----------------------------------------------------------------------------- tests
def test_layers_import_downward_only():
    edges = all_edges()
    assert len({e.source for e in edges}) > 40  # the walk saw the package
    for name in modules(ROOT):
        layer(name)  # every module is in a layer
    offending = upward(edges)
    assert not offending, (
        f"imports of a higher layer (order: {' < '.join(LAYERS)}):\n  " + "\n  ".join(offending)
    )


def test_no_import_cycles():
    found = cycles(runtime_graph(all_edges()))
    assert not found, "import cycles:\n  " + "\n  ".join(" -> ".join(c) for c in found)


def test_no_import_cycles_counting_type_checking_imports():
    edges = all_edges()
    assert any(not e.runtime and e.module_level for e in edges)  # the walk saw some
    found = cycles(runtime_graph(edges, type_checking=True))
    assert not found, "import cycles (TYPE_CHECKING imports counted):\n  " + "\n  ".join(
        " -> ".join(c) for c in found
    )


def test_no_module_imports_another_modules_private_name():
    offending = private_imports()
    assert not offending, (
        "imports of private names (give the helper a public name, or move it):\n  "
        + "\n  ".join(offending)
    )


@pytest.mark.parametrize("sub", netcollapse.SUBPACKAGES)
def test_public_names_live_in_public_modules(sub):
    package = importlib.import_module(f"netcollapse.{sub}")
    private = []
    for name in package.__all__:
        obj = getattr(package, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            where = obj.__module__
            if any(part.startswith("_") for part in where.split(".")):
                private.append(f"netcollapse.{sub}.{name} is defined in {where}")
    assert not private, "public names defined in private modules:\n  " + "\n  ".join(private)


# ----------------------------------------------------------------------------- the checks fail
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "netcollapse"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_checks_catch_an_upward_import_and_cycles(tmp_path):
    root = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "errors.py": "",
            "graphs/__init__.py": "from netcollapse.graphs.a import f\n",
            "graphs/a.py": "def f():\n    from netcollapse.engines import loop\n",  # lazy, upward
            "spectral/__init__.py": "from .b import g\n",
            "spectral/b.py": (
                "import importlib\nM = importlib.import_module('netcollapse.app.cli')\n"
            ),
            "engines/__init__.py": "",
            "engines/loop.py": "from netcollapse.engines import x\n",
            "engines/x.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from netcollapse.engines.loop import Web\n"
            "from netcollapse.measures import h\n",
            "measures/__init__.py": "from netcollapse.measures.m import h\n",
            "measures/m.py": "from netcollapse.engines.x import k\n",  # cycle via measures/__init__
            "app/__init__.py": "",
            "app/cli.py": "from ..errors import bad\n",
            "measures/ok.py": "def v():\n    from netcollapse import __version__\n",
            "measures/bad.py": "def v():\n    from netcollapse import GMMWeb\n",  # via the facade
        },
    )
    edges = all_edges(root)
    assert upward(edges) == [
        "netcollapse.graphs.a (graphs) imports netcollapse.engines.loop (engines), line 2",
        "netcollapse.measures.bad (measures) imports netcollapse (top), line 2",
        "netcollapse.measures.m (measures) imports netcollapse.engines.x (engines), line 1",
        "netcollapse.spectral.b (spectral) imports netcollapse.app.cli (app), line 2",
    ]
    assert ("netcollapse.app.cli", "netcollapse.errors") in {(e.source, e.target) for e in edges}
    found = cycles(runtime_graph(edges))
    # engines.loop <-> engines.x is no cycle: x imports loop only under TYPE_CHECKING
    assert found == [
        [
            "netcollapse.engines.x",
            "netcollapse.measures",
            "netcollapse.measures.m",
            "netcollapse.engines.x",
        ]
    ]


def test_checks_catch_a_private_import_and_a_type_checking_cycle(tmp_path):
    root = _tree(
        tmp_path,
        {
            "__init__.py": "",
            "errors.py": "_HIDDEN = 1\n",
            "graphs/__init__.py": "",
            "graphs/_kernels.py": "def solve():\n    pass\n",
            "graphs/a.py": (
                "from netcollapse.graphs._kernels import solve\n"  # public name, private module
                "from netcollapse.graphs import _kernels\n"  # a private module: allowed
                "from netcollapse import __version__\n"
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from netcollapse.graphs.b import B\n"
                "def f():\n"
                "    from netcollapse.graphs.c import C\n"  # lazy: no edge in either graph
            ),
            "graphs/b.py": (
                "import netcollapse.graphs.a\n"
                "from ..errors import _HIDDEN as hidden\n"  # relative, renamed: still caught
            ),
            "graphs/c.py": (
                "from netcollapse.graphs.a import solve\n"
                "def g():\n"
                "    from netcollapse.graphs._kernels import (\n"
                "        solve,\n"
                "        _step,\n"  # in a multi-line list, inside a function: caught
                "    )\n"
            ),
        },
    )
    assert private_imports(root) == [
        "netcollapse.graphs.b imports netcollapse.errors._HIDDEN, line 2",
        "netcollapse.graphs.c imports netcollapse.graphs._kernels._step, line 3",
    ]
    edges = all_edges(root)
    assert cycles(runtime_graph(edges)) == []  # a -> b only under TYPE_CHECKING
    assert cycles(runtime_graph(edges, type_checking=True)) == [
        ["netcollapse.graphs.a", "netcollapse.graphs.b", "netcollapse.graphs.a"]
    ]
