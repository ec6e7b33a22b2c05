"""The house drawn from the code: layers in order, no import cycles, kinds apart.

Every import counts: at module level, inside functions and under ``TYPE_CHECKING`` alike. The
layer order is STYLE.md's, lowest first: leaves; the spec model, the statistics and the report
kit; the kinds; spec loading; the engine; analysis; the report; pipeline, suite, testing, cli.
A module imports only its own layer or lower ones, a kind imports no other kind, and the import
graph of ``src/archbench`` has no strongly connected component.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

import archbench

SRC = Path(archbench.__file__).parent

#: The report kit: the document model, its writers and the run-directory reader that the
#: kinds' report parts stand on (below the kinds); the rest of ``report`` is above analysis.
REPORT_KIT = (
    "archbench.report.document",
    "archbench.report.fmt",
    "archbench.report.latex",
    "archbench.report.typst_writer",
    "archbench.report.markup",
    "archbench.report.prose",
    "archbench.report.rundata",
    "archbench.report.figures",
    "archbench.report.kindapi",
    "archbench.report.clip",
)
#: Lowest first; a module belongs to the layer of its longest matching prefix.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("leaves", ("archbench._version", "archbench.errors", "archbench.names", "archbench.seeding")),
    ("spec model, stats, report kit", ("archbench.spec.model", "archbench.stats", *REPORT_KIT)),
    ("kinds", ("archbench.kinds",)),
    ("spec loading", ("archbench.spec",)),
    ("engine", ("archbench.engine",)),
    ("analysis", ("archbench.analysis",)),
    ("report", ("archbench.report",)),
    (
        "pipeline, suite, testing, cli",
        (
            "archbench",
            "archbench.pipeline",
            "archbench.suite",
            "archbench.testing",
            "archbench.cli",
        ),
    ),
)
#: The one allowed upward import: the deprecated re-export of KindContract at its old path.
ALLOWED_UPWARD = {("archbench.kinds.contract", "archbench.testing")}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package modules it imports (every import statement, wherever it sits)."""
    top = root.name
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                out |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    mod = ".".join([*base, node.module] if node.module else base)
                else:
                    mod = node.module or ""
                for a in node.names:  # "from pkg import module" imports the module
                    out.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in files else mod)
        graph[name] = {m for m in out if m in files and m != name and m.split(".")[0] == top}
    return graph


def strongly_connected(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm: every component with more than one module (an import cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
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
                found.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return found


def layer_of(module: str, layers: tuple[tuple[str, tuple[str, ...]], ...] = LAYERS) -> int:
    best, where = -1, -1
    for i, (_, prefixes) in enumerate(layers):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, where = len(p), i
    assert where >= 0, f"{module} belongs to no layer; add it to LAYERS"
    return where


def upward_imports(
    graph: Mapping[str, set[str]],
    layers: tuple[tuple[str, tuple[str, ...]], ...] = LAYERS,
    allowed: set[tuple[str, str]] = ALLOWED_UPWARD,
) -> list[str]:
    out = []
    for m in sorted(graph):
        for t in sorted(graph[m]):
            if (m, t) not in allowed and layer_of(t, layers) > layer_of(m, layers):
                out.append(
                    f"{m} ({layers[layer_of(m, layers)][0]}) imports {t} "
                    f"({layers[layer_of(t, layers)][0]})"
                )
    return out


def cross_kind_imports(graph: Mapping[str, set[str]], top: str = "archbench") -> list[str]:
    def kind(m: str) -> str | None:
        parts = m.split(".")
        if len(parts) >= 3 and parts[1] == "kinds" and parts[2] not in ("common",):
            sub = f"{top}.kinds.{parts[2]}"
            return sub if sub in graph and (len(parts) > 3 or _is_package(sub)) else None
        return None

    def _is_package(name: str) -> bool:
        return (SRC.parent / name.replace(".", "/") / "__init__.py").exists()

    return [
        f"{m} imports {t}"
        for m in sorted(graph)
        for t in sorted(graph[m])
        if kind(m) and kind(t) and kind(m) != kind(t)
    ]


# -- the package itself ---------------------------------------------------------------------------


def test_no_import_cycles_anywhere_in_the_package() -> None:
    assert strongly_connected(import_graph(SRC)) == []


def test_layers_import_only_downwards() -> None:
    assert upward_imports(import_graph(SRC)) == []


def test_kinds_import_no_other_kind() -> None:
    assert cross_kind_imports(import_graph(SRC)) == []


def test_every_module_has_a_layer() -> None:
    for m in import_graph(SRC):
        layer_of(m)


def test_the_root_holds_only_the_spine_entry_points() -> None:
    """Modules flat in src/archbench are the leaves and the top layer; the rest live in packages."""
    flat = sorted(p.stem for p in SRC.glob("*.py"))
    assert flat == [
        "__init__", "__main__", "_version", "errors", "names", "pipeline", "seeding", "suite",
        "testing",
    ]  # fmt: skip


def test_each_kind_has_one_shape() -> None:
    """kind, families, metrics, presets, tasks, data, splits, prepare, references, templates,
    report and models/ in every kind; figures.py where a kind draws figures of its own."""
    shape = {"kind.py", "families.py", "metrics.py", "presets.py", "data.py", "splits.py",
             "prepare.py", "references.py", "templates.py", "report.py", "models"}  # fmt: skip
    for kind in ("tabular", "forecasting", "text"):
        here = {p.name for p in (SRC / "kinds" / kind).iterdir()}
        assert shape <= here, f"kinds/{kind} lacks {sorted(shape - here)}"
        assert here & {"tasks.py", "tasks"}, f"kinds/{kind} has no tasks module"
        models = {p.stem for p in (SRC / "kinds" / kind / "models").glob("*.py")}
        assert {"mlp", "gbdt"} <= models, f"kinds/{kind}/models lacks an mlp or gbdt module"


def test_every_package_init_is_a_table_of_contents() -> None:
    for init in SRC.rglob("__init__.py"):
        tree = ast.parse(init.read_text())
        assert ast.get_docstring(tree), f"{init} has no docstring"
        names = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                 if isinstance(t, ast.Name)}  # fmt: skip
        assert "__all__" in names, f"{init} has no __all__"


def test_the_old_contract_path_warns_and_still_works() -> None:
    sys.modules.pop("archbench.kinds.contract", None)
    with pytest.warns(DeprecationWarning, match=r"archbench\.testing"):
        from archbench.kinds.contract import KindContract
    from archbench.testing import KindContract as New

    assert KindContract is New


# -- the checks themselves, on a planted package -----------------------------------------------


def _plant(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "archbench"
    for rel, text in files.items():
        p = pkg / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return pkg


def test_a_planted_upward_import_inside_a_function_is_found(tmp_path: Path) -> None:
    pkg = _plant(
        tmp_path,
        {
            "__init__.py": "",
            "errors.py": "",
            "stats/__init__.py": "",
            "stats/intervals.py": "def f():\n    from archbench.engine.store import x\n",
            "engine/__init__.py": "",
            "engine/store.py": "from archbench.stats.intervals import f\nx = 1\n",
        },
    )
    graph = import_graph(pkg)
    assert graph["archbench.stats.intervals"] == {"archbench.engine.store"}
    bad = upward_imports(graph)
    assert bad == [
        "archbench.stats.intervals (spec model, stats, report kit) imports "
        "archbench.engine.store (engine)"
    ]
    assert strongly_connected(graph) == [["archbench.engine.store", "archbench.stats.intervals"]]


def test_a_planted_cycle_under_type_checking_is_found(tmp_path: Path) -> None:
    pkg = _plant(
        tmp_path,
        {
            "__init__.py": "",
            "engine/__init__.py": "",
            "engine/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from archbench.engine import b\n",
            "engine/b.py": "from . import c\n",
            "engine/c.py": "from .a import thing\n",
        },
    )
    assert strongly_connected(import_graph(pkg)) == [
        ["archbench.engine.a", "archbench.engine.b", "archbench.engine.c"]
    ]


def test_a_clean_planted_package_passes(tmp_path: Path) -> None:
    pkg = _plant(
        tmp_path,
        {
            "__init__.py": "",
            "errors.py": "",
            "engine/__init__.py": "",
            "engine/store.py": "from archbench.errors import x\n",
            "cli/__init__.py": "def main():\n    from archbench.engine.store import y\n",
        },
    )
    graph = import_graph(pkg)
    assert upward_imports(graph) == []
    assert strongly_connected(graph) == []


def test_every_declared_backend_and_worker_module_imports() -> None:
    """Import paths written as strings (family backends, worker preloads) follow the layout."""
    import importlib
    import importlib.util

    from archbench.kinds import all_kinds

    for kind in all_kinds():
        for module in kind.worker_modules:
            importlib.import_module(module)
        for decl in kind.families:
            for name, backend in decl.backends.items():
                if backend.requires and importlib.util.find_spec(backend.requires) is None:
                    continue  # an optional extra that is not installed
                assert decl.load(name) is not None, f"{kind.name}.{decl.name}: {backend}"
