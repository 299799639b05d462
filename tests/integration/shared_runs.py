"""One real ``voicectl`` run shared by the tests that need the same one.

A doc example and an integration test often place the very same call (``voicectl chaos
interrupt``): the example compares the output a user sees, the test reads the JSON report. Both
call :func:`shared_run`, and the run happens once per test session: across xdist workers the
first caller runs it under a file lock and the others read what it left. The run is the user's:
a subprocess, ``NO_COLOR=1`` at 100 columns, stdout and stderr as one stream, a JSON report,
in a folder that sees the repository's ``voicectl``, ``tests``, ``examples`` and ``fixtures`` (so
``voicectl/data/...`` paths and ``tests.integration...`` strategy modules work as in a checkout).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SHARED_RUNS_ENV", "CliRun", "shared_run"]

SHARED_RUNS_ENV = "VOICECTL_SHARED_RUNS"  # set by tests/conftest.py for the session
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class CliRun:
    """What one ``voicectl`` run left: exit code, output, JSON report, and its folder (where
    ``report.xml`` is, unless the caller named its own reports)."""

    code: int
    output: str
    report: dict[str, Any]
    folder: Path


def _args(args: tuple[str, ...]) -> list[str]:
    """The run's arguments, with ``--json report.json`` and ``--junit report.xml`` unless the
    caller names its own reports (every command that runs checks writes both)."""
    if "--json" in args or "--junit" in args:
        return [*args]
    return [*args, "--json", "report.json", "--junit", "report.xml"]


def shared_run(*args: str, timeout: float = 180) -> CliRun:
    """``voicectl ARGS`` run once per session (relative paths are relative to its folder)."""
    root = os.environ.get(SHARED_RUNS_ENV)
    if root is None:  # outside the test session's fixture: a run of its own
        return _run(_args(args), Path(tempfile.mkdtemp(prefix="voicectl-run-")), timeout)
    key = hashlib.sha256(json.dumps(_args(args)).encode()).hexdigest()[:16]
    folder = Path(root) / key
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while the first caller runs it
        done = folder / ".done.json"
        if done.exists():
            saved = json.loads(done.read_text())
            return CliRun(saved["code"], saved["output"], _report(folder, args), folder)
        run = _run(_args(args), folder, timeout)
        done.write_text(json.dumps({"code": run.code, "output": run.output}))
        return run


def _run(args: list[str], folder: Path, timeout: float) -> CliRun:
    for name in ("voicectl", "tests", "examples", "fixtures"):
        if not (folder / name).exists():
            (folder / name).symlink_to(ROOT / name)
    # `python` in a --bot-cmd is this interpreter's (the venv's), as for the doc examples.
    path = f"{Path(sys.prefix) / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "PATH": path}
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return CliRun(result.returncode, result.stdout, _report(folder, tuple(args)), folder)


def _report(folder: Path, args: tuple[str, ...]) -> dict[str, Any]:
    path = folder / _args(args)[_args(args).index("--json") + 1]
    return json.loads(path.read_text()) if path.exists() else {}
