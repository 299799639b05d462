"""Run ``voicectl chaos ...`` as a user would (a subprocess) and read its JSON report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared_runs import shared_run

__all__ = ["check_of", "run_chaos", "verdicts"]


def run_chaos(tmp_path: Path, *args: str, timeout: float = 120) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of ``voicectl chaos ARGS``; a traceback fails the test.

    The run is shared with any other test or doc example that runs the same command
    (``shared_runs``); ``tmp_path`` is kept for the callers' own files.
    """
    run = shared_run("chaos", *args, timeout=timeout)
    assert "Traceback" not in run.output, run.output
    return run.code, run.report


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    """Check id -> verdict."""
    return {c["id"]: c["verdict"] for c in report["checks"]}


def check_of(report: dict[str, Any], check_id: str) -> dict[str, Any]:
    """The check ``check_id`` of a report."""
    return next(c for c in report["checks"] if c["id"] == check_id)
