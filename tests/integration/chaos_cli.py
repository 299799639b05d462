"""Run ``voicectl chaos ...`` as a user would (a subprocess) and read its JSON report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["check_of", "run_chaos", "verdicts"]


def run_chaos(tmp_path: Path, *args: str, timeout: float = 120) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of ``voicectl chaos ARGS``; a traceback fails the test."""
    out = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", "chaos", *args, "--json", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(out.read_text())


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    """Check id -> verdict."""
    return {c["id"]: c["verdict"] for c in report["checks"]}


def check_of(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    """The check ``check_id`` of a report."""
    return next(c for c in report["checks"] if c["id"] == check_id)
