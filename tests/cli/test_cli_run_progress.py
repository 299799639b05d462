"""Progress on a terminal, none in a CI log: the same command under a pseudo-terminal and a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from on_a_terminal import run_on_a_terminal

VOICECTL = [sys.executable, "-m", "voicectl"]
SUITE = '[[scenario]]\nname = "pair"\ncommand = "resample-check"\nrates = [8000, 16000]\nresamplers = ["soxr-vhq"]\n'


def test_a_suite_draws_progress_on_a_terminal_and_nothing_in_a_pipe(tmp_path: Path) -> None:
    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE)
    drawn = run_on_a_terminal([*VOICECTL, "run", str(suite)])[0]
    assert "running pair" in drawn
    assert "PASS  pair  (resample-check," in drawn  # the line left for a finished scenario
    piped = subprocess.run(
        [*VOICECTL, "run", str(suite)], capture_output=True, text=True, timeout=120
    )
    assert piped.stdout.startswith("PASS  voicectl run  ")
    assert "running pair" not in piped.stdout + piped.stderr


def test_quiet_draws_no_progress_even_on_a_terminal(tmp_path: Path) -> None:
    suite = tmp_path / "suite.toml"
    suite.write_text(SUITE)
    drawn = run_on_a_terminal([*VOICECTL, "run", str(suite), "-q"])[0]
    assert "running pair" not in drawn
    assert drawn.strip().startswith("PASS  voicectl run  ")


def test_a_single_command_shows_a_status_line_on_a_terminal() -> None:
    drawn = run_on_a_terminal(
        [*VOICECTL, "resample-check", "--rates", "8000,16000", "--resamplers", "soxr-vhq"]
    )[0]
    before_verdict = drawn.split("PASS  voicectl resample-check")[0]
    assert "voicectl resample-check" in before_verdict and "(deadline 600 s)" in before_verdict
