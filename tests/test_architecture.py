"""The house drawn from the code: the spine imports no kind's internals and has no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import archbench

SRC = Path(archbench.__file__).parent
#: What the spine may import of the kinds: the registry, the contract and its test case.
KIND_SURFACE = {"archbench.kinds", "archbench.kinds.base", "archbench.testing"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, module_level_only: bool) -> set[str]:
    """Absolute names of the archbench modules ``path`` imports."""
    tree = ast.parse(path.read_text())
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    nodes: list[ast.AST] = []
    if module_level_only:
        for node in tree.body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            nodes.append(node)
    else:
        nodes = list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("archbench")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if not mod.startswith("archbench"):
                continue
            out.add(mod)
            for a in node.names:  # "from . import x" imports a module
                if (SRC.parent / mod.replace(".", "/") / f"{a.name}.py").exists():
                    out.add(f"{mod}.{a.name}")
    return out


def _spine_files() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "kinds" not in p.relative_to(SRC).parts]


def test_the_spine_imports_no_kind_internals() -> None:
    offenders = {
        _module_name(p): sorted(
            m for m in _imports(p, module_level_only=False)
            if m.startswith("archbench.kinds") and m not in KIND_SURFACE
        )
        for p in _spine_files()
    }  # fmt: skip
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_cycles_among_spine_modules() -> None:
    graph = {_module_name(p): _imports(p, module_level_only=True) for p in _spine_files()}
    graph = {k: {m for m in v if m in graph and m != k} for k, v in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    assert cycles == []


def test_the_tabular_kind_lives_behind_the_seam() -> None:
    """Tables, splits, preprocessing and models are the tabular kind's, not the spine's."""
    for gone in ("tasks", "models", "splits.py", "preprocess.py", "templates.py"):
        assert not (SRC / gone).exists(), f"{gone} belongs in kinds/tabular/"


def test_kinds_import_no_other_kind() -> None:
    """A kind stands on the spine, the contract and kinds/common, never on another kind."""
    kinds_dir = SRC / "kinds"
    own = {
        p.name
        for p in kinds_dir.iterdir()
        if p.is_dir() and p.name not in ("common", "__pycache__")
    }
    offenders = {}
    for kind in own:
        for p in (kinds_dir / kind).rglob("*.py"):
            bad = sorted(
                m for m in _imports(p, module_level_only=False)
                if any(m.startswith(f"archbench.kinds.{o}") for o in own - {kind})
            )  # fmt: skip
            if bad:
                offenders[_module_name(p)] = bad
    assert offenders == {}
