"""The judges are pure: a verdict module imports no Pipecat, WebSocket or web-server library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHECKS = Path(__file__).resolve().parents[2] / "voicectl" / "checks"
FORBIDDEN = ("pipecat", "websockets", "uvicorn", "fastapi", "aiohttp")
#: Judges whose input types still live next to the code that runs the experiment (their
#: outcome dataclasses import Pipecat). Every other, and every new, judge module must be pure.
NOT_YET_PURE = {"caller_faults", "conversation", "failover", "heartbeat"}


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
    "name",
    sorted(
        p.stem for p in CHECKS.glob("*.py") if p.stem != "__init__" and p.stem not in NOT_YET_PURE
    ),
)
def test_a_judge_module_imports_no_pipecat_or_network_library(name: str) -> None:
    assert _loaded_by(f"voicectl.checks.{name}") == []


def test_the_outcome_types_import_no_pipecat_or_network_library() -> None:
    assert _loaded_by("voicectl.outcome.journal") == []
    assert _loaded_by("voicectl.outcome.connections") == []
