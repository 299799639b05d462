"""Usage errors Typer finds (wrong types, unknown options or commands, missing arguments) are one
line on stderr with exit code 2, like voicectl's own input errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

VOICECTL = [sys.executable, "-m", "voicectl"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["chaos", "ws-close", "--code", "abc"],
            "error: Invalid value for '--code': Input should be a valid integer, unable to parse "
            "string as an integer (see 'voicectl chaos ws-close --help')",
        ),
        (
            ["replay", "--zzz-not-an-option"],
            "error: No such option: --zzz-not-an-option (see 'voicectl replay --help')",
        ),
        # Click's spelling suggestion stays on the same line.
        (
            ["replay", "--nope"],
            "error: No such option: --nope (Possible options: --line) (see 'voicectl replay --help')",
        ),
        (["report", "show"], "error: Missing argument 'file' (see 'voicectl report show --help')"),
        (["bogus"], "error: No such command 'bogus' (see 'voicectl --help')"),
        (["replay", "--rates"], "error: Option '--rates' requires an argument"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run([*VOICECTL, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == message
    assert result.stdout == ""


def test_help_and_version_still_exit_0() -> None:
    version = subprocess.run([*VOICECTL, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("voicectl ")
    helptext = subprocess.run(
        [*VOICECTL, "load", "--help"], capture_output=True, text=True, timeout=60
    )
    assert helptext.returncode == 0 and "--calls" in helptext.stdout


def test_no_arguments_prints_the_help_and_exits_2() -> None:
    result = subprocess.run([*VOICECTL, "chaos"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Usage: voicectl chaos" in result.stdout and "ws-close" in result.stdout
