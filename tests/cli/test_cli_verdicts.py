"""Exit codes for inputs that cannot test anything: usage errors (2) before anything starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

VOICECTL = [sys.executable, "-m", "voicectl"]


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VOICECTL, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["chaos", "failover", "--crashes", "recover@5"],
            "has no crash, only recoveries",
        ),
    ],
)
def test_a_run_that_could_not_test_anything_is_a_usage_error(args: list[str], message: str) -> None:
    result = _run(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
