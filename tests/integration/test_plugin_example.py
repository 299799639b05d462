"""The example suite and GitHub workflow use real commands and options.

The docs show these files verbatim and run the pytest example: tests/docs/test_doc_examples.py.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def test_the_example_suite_checks_out() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "voicectl",
            "run",
            str(EXAMPLES / "voicectl-suite.toml"),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "stt-revoked-key: voicectl chaos ws-close --target soniox --code 1008" in result.stdout


def test_the_workflow_runs_the_example_suite_and_tests_with_real_options(tmp_path: Path) -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-workflow.yml").read_text())
    steps = workflow["jobs"]["voicectl"]["steps"]
    commands = [
        line.strip()
        for step in steps
        if "run" in step
        for line in step["run"].replace("\n--", " --").splitlines()
        if line.strip().startswith(("voicectl ", "pytest "))
    ]
    assert [c.split()[:2] for c in commands] == [
        ["voicectl", "bot"],
        ["voicectl", "run"],
        ["pytest", "examples/test_my_bot.py"],
    ]
    suite_run = shlex.split(commands[1].replace('"$GITHUB_STEP_SUMMARY"', str(tmp_path / "s.md")))
    result = subprocess.run(
        [sys.executable, "-m", "voicectl", *suite_run[1:], "--dry-run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    bot = shlex.split(commands[0].rstrip("&").strip())
    help_text = subprocess.run(
        [sys.executable, "-m", "voicectl", *bot[1:], "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert help_text.returncode == 0
    for flag in (a for a in bot if a.startswith("--")):
        assert flag in help_text.stdout
