# SPDX-License-Identifier: Apache-2.0
"""The house has no import circles and its arrows run down (style.md, "Layers").

Ground (settings, errors, store, the shared edge helpers) imports no capability; capabilities
never import the assembly (``api/``, ``cli/``, the web shell, the table registry, the demo).
Every import counts, including those inside functions; only imports under ``if TYPE_CHECKING:``
are left out: they name a type for the checker and run nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "oncoboard"

GROUND = ("oncoboard", "oncoboard.settings", "oncoboard.errors", "oncoboard.runtime",
          "oncoboard.store", "oncoboard.edge")  # fmt: skip
ASSEMBLY = ("oncoboard.api", "oncoboard.cli", "oncoboard.web", "oncoboard.tables",
            "oncoboard.store.migrations", "oncoboard.demo", "oncoboard.__main__")  # fmt: skip


def _name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that run (anywhere in the module), skipping TYPE_CHECKING blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in _runtime_nodes_of(child))
            continue
        yield from _runtime_nodes_of(node)


def _runtime_nodes_of(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _runtime_nodes(node)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the package's modules it imports at run time."""
    paths = {_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
            for target in _targets(node, name, is_package):
                if target in paths and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _layer(module: str) -> str:
    def under(prefixes: Iterable[str]) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes if p != "oncoboard")

    if under(ASSEMBLY):
        return "assembly"
    if module == "oncoboard" or under(GROUND):
        return "ground"
    return "capability"


RANK = {"ground": 0, "capability": 1, "assembly": 2}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports that point up a layer: ground → capability/assembly, capability → assembly."""
    return sorted(
        f"{src} ({_layer(src)}) imports {dst} ({_layer(dst)})"
        for src, targets in graph.items()
        for dst in targets
        if RANK[_layer(dst)] > RANK[_layer(src)]
    )


def test_the_cycle_finder_finds_a_circle_and_ignores_a_chain() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_type_checking_imports_run_nothing_and_are_left_out(tmp_path: Path) -> None:
    package = tmp_path / "oncoboard"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text("from oncoboard import two\n")
    (package / "two.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from oncoboard import one\n"
        "def later():\n    from oncoboard import three\n"
    )
    (package / "three.py").write_text("")
    graph = import_graph(package)
    assert graph["oncoboard.two"] == {"oncoboard.three"}  # the function-level import counts
    assert graph["oncoboard.one"] == {"oncoboard.two"}


def test_no_import_circles() -> None:
    found = cycles(import_graph())
    assert not found, "import circles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_arrows_run_down() -> None:
    upward = upward_imports(import_graph())
    assert not upward, "imports pointing up a layer:\n" + "\n".join(upward)


@pytest.mark.parametrize("module", ["oncoboard.api.app", "oncoboard.cli.main"])
def test_the_entry_points_only_assemble(module: str) -> None:
    graph = import_graph()
    importers = sorted(src for src, targets in graph.items() if module in targets)
    assert all(_layer(src) == "assembly" for src in importers), importers
