"""The check registry names every check id the code emits, and the tests it cites exist."""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
from pathlib import Path

import pytest

from voicectl.checks.registry import CHECKS, CheckSpec, all_specs, spec_for

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "voicectl"
_CHECK_BUILDERS = {"Check", "check"}

#: Calls that build a check from an id made elsewhere: a suite scoping its scenarios' checks,
#: a saved report being read back and ``--trials`` merging its trials' checks. Any other id that cannot be read from the source fails.
_REWRAPPING = {
    ("suite/merge.py", "f'{scenario.name}/{item.id}'"),
    ("suite/merge.py", "f'{name}/{suffix}'"),
    ("report/jsonreport.py", "_string(data['id'], 'check id')"),
    ("report/trials.py", "first.id"),
}


def _id_arg(call: ast.Call) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in ("id", "check_id"):
            return kw.value
    return call.args[0] if call.args else None


def _constants(tree: ast.Module) -> dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _callers_args(
    trees: list[tuple[ast.Module, dict[str, str]]], function: str, param: str
) -> list[tuple[ast.expr, dict[str, str]]]:
    """Every argument passed as ``param`` to ``function`` anywhere in voicectl/ (a helper that
    builds checks may be called from other modules), with the calling module's constants."""
    position = None
    for tree, _ in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == function:
                names = [a.arg for a in node.args.args]
                if param in names:
                    position = names.index(param)
    args = []
    for tree, constants in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
                given = [kw.value for kw in node.keywords if kw.arg == param]
                if not given and position is not None and len(node.args) > position:
                    given = [node.args[position]]
                args.extend((arg, constants) for arg in given)
    return args


def _patterns(
    expr: ast.expr,
    trees: list[tuple[ast.Module, dict[str, str]]],
    function: str | None,
    constants: dict[str, str],
) -> list[str] | None:
    """The ids (or fnmatch patterns, for f-strings) an id expression can take; None if unknown."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else "*" for v in expr.values]
        pattern = "".join(str(p) for p in parts)
        scoped = pattern.rpartition("/")[2]  # a suite's ``<scenario>/<id>``
        return None if "*" in scoped and scoped != pattern else [scoped]
    if isinstance(expr, ast.Name):
        if expr.id in constants:
            return [constants[expr.id]]
        if function is not None:
            found: list[str] = []
            for arg, their_constants in _callers_args(trees, function, expr.id):
                sub = _patterns(arg, trees, None, their_constants)
                if sub is None:
                    return None
                found += sub
            return found or None
    return None


def _emitted() -> tuple[set[str], list[tuple[str, str]]]:
    """Every check id pattern built in voicectl/, and the builds whose id the source hides."""
    ids: set[str] = set()
    unknown = []
    paths = sorted(PACKAGE.rglob("*.py"))
    parsed = [ast.parse(path.read_text(encoding="utf-8")) for path in paths]
    trees = [(tree, _constants(tree)) for tree in parsed]
    for path, (tree, constants) in zip(paths, trees, strict=True):
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name in _CHECK_BUILDERS:  # report.model.check itself
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name not in _CHECK_BUILDERS:
                    continue
                expr = _id_arg(node)
                if expr is None:
                    continue
                found = _patterns(expr, trees, function.name, constants)
                if found is None:
                    unknown.append((path.relative_to(PACKAGE).as_posix(), ast.unparse(expr)))
                else:
                    ids.update(found)
    return ids, unknown


def test_every_check_id_built_in_the_code_is_registered() -> None:
    ids, unknown = _emitted()
    assert ids, "the scan found no check at all: it is broken"
    for pattern in sorted(ids):
        assert any(fnmatch.fnmatchcase(r, pattern) for r in CHECKS), (
            f"check id {pattern!r} is built in voicectl/ but not in voicectl/checks/registry/"
        )
    assert set(unknown) <= _REWRAPPING, f"check ids the scan cannot read: {unknown}"


def test_the_scan_resolves_constants_parameters_and_prefixes() -> None:
    ids, _ = _emitted()
    assert {"load.success_rate", "resample.snr", "fault.fired"} <= ids
    assert "*.bot_released_call" in ids


def _test_exists(node_id: str) -> bool:
    file, _, name = node_id.partition("::")
    path = ROOT / file
    if not path.is_file():
        return False
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name for n in tree.body
    )


@pytest.mark.parametrize("spec", list(all_specs()), ids=lambda s: s.id)
def test_every_registered_check_names_tests_that_exist(spec: CheckSpec) -> None:
    assert spec.expects and spec.bound and spec.bound_why and spec.title
    assert _test_exists(spec.fails_in), f"{spec.id}: no test {spec.fails_in}"
    if spec.passes_in is None:
        assert spec.never_passes_because
    else:
        assert _test_exists(spec.passes_in), f"{spec.id}: no test {spec.passes_in}"


def test_a_check_without_a_passing_test_must_say_why() -> None:
    with pytest.raises(ValueError, match="must say why"):
        CheckSpec("x.y", "t", ("c",), "e", "b", "w", None, "tests/f.py::t")


def test_scoped_suite_ids_find_their_spec() -> None:
    assert spec_for("smoke-interrupt/interrupt.clear_sent") is CHECKS["interrupt.clear_sent"]
    assert spec_for("a/b/harness") is CHECKS["harness"]
    assert spec_for("no.such_check") is None


def test_the_registry_imports_neither_pipecat_nor_sockets() -> None:
    code = (
        "import sys; import voicectl.checks.registry; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('pipecat', 'socket', 'websockets', 'uvicorn', 'numpy')]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
