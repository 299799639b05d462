"""The examples README shows are the examples that run: the plugin test file, suite, workflow."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GUIDES = "".join(
    (ROOT / "docs" / "guides" / n).read_text() for n in ("pytest.md", "suites.md", "ci.md")
)


def _fenced_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDES, flags=re.DOTALL)


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("test_my_bot.py", "python"),
        ("voicectl-suite.toml", "toml"),
        ("github-workflow.yml", "yaml"),
    ],
)
def test_readme_shows_each_example_file_verbatim(name: str, language: str) -> None:
    assert (EXAMPLES / name).read_text() in _fenced_blocks(language)


@pytest.mark.slow
def test_the_readme_pytest_example_passes_in_a_project_without_any_config(tmp_path: Path) -> None:
    """The plugin loads from its entry point; the example needs no conftest and no ini file."""
    shutil.copy(EXAMPLES / "test_my_bot.py", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_bot.py"],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


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
