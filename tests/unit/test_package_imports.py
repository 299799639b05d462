"""voicectl's top-level packages import one another in one direction only (no cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "voicectl"
#: Cycles that exist and are to be removed; no new one may appear.
KNOWN_CYCLES = {("bot", "providers"), ("replay", "sut")}


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        source = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "voicectl" and len(parts) > 1 and parts[1] != source:
                    edges.setdefault(source, set()).add(parts[1])
    return edges


def test_no_two_packages_import_each_other() -> None:
    edges = _edges()
    cycles = {
        (a, b) for a, targets in edges.items() for b in targets if a < b and a in edges.get(b, ())
    }
    assert cycles <= KNOWN_CYCLES, f"new import cycles: {sorted(cycles - KNOWN_CYCLES)}"


def test_the_judges_do_not_import_the_harness_and_the_suite_not_the_cli() -> None:
    edges = _edges()
    assert "harness" not in edges.get("checks", set())
    assert "cli" not in edges.get("suite", set())
