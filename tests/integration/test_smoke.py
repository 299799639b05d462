"""``voicectl smoke``: the bundled suite, its data, and what it says about Pipecat 1.14."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from shared_runs import shared_run

from voicectl.audio.io import load_audio
from voicectl.audio.script import bundled_fixtures_dir, load_call, load_script
from voicectl.cli.smoke import portable_smoke_suite, smoke_suite_path

VOICECTL = [sys.executable, "-m", "voicectl"]

# What Pipecat 1.14's SonioxSTTService and serializer resamplers do (docs/commands/smoke.md):
# these checks fail, and nothing else may.
PIPECAT_1_14_FAILURES = {
    "non-recoverable-close-1008/close.not_retried",
    "non-recoverable-close-1008/error.attributable",
    "recoverable-close-1011/error.attributable",
    "resample-quick/resample.stream_continuity",
}


def _smoke(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOICECTL, "smoke", *args],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"},
    )


def test_the_short_failover_call_is_the_first_21_s_of_order_status() -> None:
    short = load_call(smoke_suite_path().parent / "smoke" / "order_status_short.wav")
    full = load_audio(bundled_fixtures_dir() / "order_status.wav")
    assert short.audio.sample_rate == full.sample_rate == 8000
    assert np.array_equal(short.audio.samples, full.samples[: short.audio.samples.size])
    assert short.audio.duration_s == pytest.approx(21.0)
    full_script = load_script(bundled_fixtures_dir() / "order_status.json")
    assert short.script is not None
    assert short.script.utterances == full_script.utterances[:3]


def test_the_bundled_suite_checks_out_and_lists_its_scenarios() -> None:
    result = _smoke("--dry-run")
    assert result.returncode == 0, result.stderr
    names = [line.split(":")[0].strip() for line in result.stdout.splitlines()[1:]]
    assert names == [
        "stt-failover",
        "barge-in",
        "replay-8k-16k",
        "recoverable-close-1011",
        "non-recoverable-close-1008",
        "dtmf-keys",
        "resample-quick",
    ]


def test_the_printed_suite_runs_from_anywhere(tmp_path: Path) -> None:
    printed = _smoke("--print")
    assert printed.returncode == 0
    assert printed.stdout == portable_smoke_suite()
    suite = tmp_path / "voicectl-suite.toml"
    suite.write_text(printed.stdout)
    checked = subprocess.run(
        [*VOICECTL, "run", "--dry-run"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert checked.returncode == 0, checked.stderr
    assert f"--audio {smoke_suite_path().parent}/smoke/order_status_short.wav" in checked.stdout


@pytest.mark.slow
def test_smoke_reports_pipecat_1_14_honestly_with_junit_matching_the_exit_code() -> None:
    # The same run as docs/commands/smoke.md's transcript and its JUnit and Markdown excerpts.
    run = shared_run(
        "smoke", "--json", "smoke.json", "--junit", "smoke.xml", "--markdown", "smoke.md"
    )
    out_xml, out_md = run.folder / "smoke.xml", run.folder / "smoke.md"
    report = run.report
    assert run.code == report["exit_code"] == 1, run.output

    failed = {c["id"] for c in report["checks"] if c["verdict"] == "fail"}
    errors = {c["id"] for c in report["checks"] if c["verdict"] == "error"}
    assert not errors, run.output
    assert failed == PIPECAT_1_14_FAILURES, run.output
    # Piped (as in a CI log): failures come first, each check id whole on its own line.
    lines = run.output.splitlines()
    shown = [line.split()[1] for line in lines[1:] if line.startswith("FAIL  ")]
    assert set(shown) == failed
    first_pass = next(i for i, line in enumerate(lines) if line.startswith("PASS  "))
    assert max(i for i, line in enumerate(lines) if line.startswith("FAIL  ")) < first_pass
    by_scenario: dict[str, set[str]] = {}
    for item in report["checks"]:
        scenario = item["id"].split("/")[0]
        by_scenario.setdefault(scenario, set()).add(item["verdict"])
    assert by_scenario["stt-failover"] == {"pass"}
    assert by_scenario["barge-in"] == {"pass"}
    assert by_scenario["replay-8k-16k"] == {"pass"}
    assert by_scenario["dtmf-keys"] == {"pass"}

    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(report["checks"])
    assert sum(1 for c in cases if c.find("failure") is not None) == len(failed)
    assert suite.get("failures") == str(len(failed)) and suite.get("errors") == "0"
    assert suite.find("properties/property[@name='exit_code']").get("value") == "1"  # type: ignore[union-attr]
    assert "**voicectl smoke: FAIL**" in out_md.read_text()


def test_print_with_a_run_option_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _smoke("--print", "--json", str(tmp_path / "r.json"))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: --print prints the suite and runs nothing: drop --json or --print"
    )
    assert result.stdout == "" and not (tmp_path / "r.json").exists()
