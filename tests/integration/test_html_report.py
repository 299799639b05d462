"""The HTML report of a chaos run, rendered by a real headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# Opt-in: a fresh machine has no browser; `.ci/run` installs Chromium and runs `pytest -m browser`.
pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "-m browser needs Chromium on PATH: apt-get install chromium (.ci/run installs it)"
    return path


def _has_colour(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    diff = np.abs(image[:, :, :3].astype(int) - np.array(rgb)).max(axis=2)
    return int((diff <= tolerance).sum())


def test_chaos_interrupt_html_report_draws_its_timeline_in_chromium(tmp_path: Path) -> None:
    report_json, report_html = tmp_path / "run.json", tmp_path / "run.html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "voicectl",
            "chaos",
            "interrupt",
            "-q",
            "--json",
            str(report_json),
            "--html",
            str(report_html),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # Re-rendering the saved JSON gives the same page as the run wrote.
    rerendered = tmp_path / "again.html"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "voicectl",
            "report",
            "html",
            str(report_json),
            "-o",
            str(rerendered),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert rerendered.read_text() == report_html.read_text()

    chromium = _chromium()
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--dump-dom",
            report_html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert '<svg id="call-timeline"' in dom
    events = json.loads(report_json.read_text())["events"]
    bars = sum(1 for e in events if "end" in e)
    assert dom.count('class="mark bar"') == bars >= 3  # two caller utterances and the bot's audio
    assert "interrupt.clear_sent" in dom

    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1100,700",
            report_html.as_uri(),
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert _has_colour(pixels, (245, 133, 24)) > 20  # the orange clear ticks were painted
    assert _has_colour(pixels, (46, 125, 50)) > 200  # the green PASS badges
