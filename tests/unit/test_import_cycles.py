"""voicectl's subpackages import each other in one direction: no module-level import cycle."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "voicectl"


def _module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_level_imports(tree: ast.Module, module: str, is_package: bool) -> list[str]:
    """Modules imported when ``module`` is imported: its top level, not functions, not
    ``if TYPE_CHECKING:`` blocks."""
    found: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = module.split(".") if is_package else module.split(".")[:-1]
                    parent = here[: len(here) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                found.append(base)
                found.extend(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


def _subpackage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _subpackage_graph(package: Path) -> dict[str, dict[str, str]]:
    """subpackage -> {imported subpackage: one module-level import that makes the edge}."""
    modules = {_module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, dict[str, str]] = defaultdict(dict)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for imported in _module_level_imports(tree, module, path.name == "__init__.py"):
            if imported not in modules:
                continue
            source, target = _subpackage(module), _subpackage(imported)
            if source != target:
                graph[source].setdefault(target, f"{module} imports {imported}")
    return graph


def _cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one subpackage (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            connect(node)
    return found


def test_no_subpackage_of_voicectl_imports_itself_through_another() -> None:
    graph = _subpackage_graph(PACKAGE)
    cycles = _cycles(graph)
    edges = [f"{graph[a][b]}" for cycle in cycles for a in cycle for b in graph[a] if b in cycle]
    assert cycles == [], "import cycles:\n" + "\n".join(edges)


def test_a_cycle_between_two_subpackages_is_found(tmp_path: Path) -> None:
    package = tmp_path / "voicectl"
    for sub in ("bot", "providers"):
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "bot" / "server.py").write_text("from voicectl.providers.fake import Fake\n")
    (package / "providers" / "fake.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from voicectl.bot import server\n"
        "def lazy():\n    from voicectl.bot import server\n"
    )
    assert _cycles(_subpackage_graph(package)) == []
    (package / "providers" / "fake.py").write_text("from voicectl.bot.server import BotCall\n")
    assert _cycles(_subpackage_graph(package)) == [["voicectl.bot", "voicectl.providers"]]
