"""The judges are pure: a verdict module imports no Pipecat, WebSocket or web-server library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHECKS = Path(__file__).resolve().parents[2] / "voicectl" / "checks"
FORBIDDEN = ("pipecat", "websockets", "uvicorn", "fastapi", "aiohttp")
OUTCOMES = CHECKS.parent / "outcome"


def _loaded_by(module: str) -> list[str]:
    code = (
        f"import sys, {module}; "
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {set(FORBIDDEN)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout.split()


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in CHECKS.glob("*.py") if p.stem != "__init__")
)
def test_a_judge_module_imports_no_pipecat_or_network_library(name: str) -> None:
    assert _loaded_by(f"voicectl.checks.{name}") == []


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in OUTCOMES.glob("*.py") if p.stem != "__init__")
)
def test_an_outcome_module_imports_no_pipecat_or_network_library(name: str) -> None:
    assert _loaded_by(f"voicectl.outcome.{name}") == []


@pytest.mark.parametrize("path", sorted(CHECKS.glob("*.py")), ids=lambda p: p.stem)
def test_a_judge_module_imports_its_input_types_at_run_time(path: Path) -> None:
    """An input type imported only for the type checker would hide its imports from the test above."""
    assert "TYPE_CHECKING" not in path.read_text()
