"""``voicectl run SUITE.toml`` from the command line, as a CI job runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

VOICECTL = [sys.executable, "-m", "voicectl"]

# Two quick scenarios (~4 s each): a resampler pair that passes and Pipecat's Soniox STT
# against a 1008 close, whose quick retries fail close.not_retried and error.attributable.
QUICK_SUITE = """\
[suite]
name = "quick"

[policy]
max_attempts = 3

[[scenario]]
name = "resample"
command = "resample-check"
rates = [8000, 16000]
resamplers = ["soxr-vhq"]

[[scenario]]
name = "close-1008"
command = "chaos ws-close"
code = 1008
budget = 5
"""


def _run(
    *args: str, cwd: Path | None = None, timeout: float = 150
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOICECTL, "run", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"},
    )


def _suite(tmp_path: Path, text: str, name: str = "suite.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _junit(path: Path) -> tuple[list[ET.Element], int, int]:
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    return cases, failures, errors


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "[[scenario]]\nname = 'typo'\ncommand = 'chaos ws-close'\ncod = 1008\n",
            4,
            "scenario 'typo': chaos ws-close has no option 'cod' (did you mean 'code'?)",
        ),
        (
            "[[scenario]]\nname = 'fault'\ncommand = 'chaos ws-closed'\n",
            3,
            "scenario 'fault': unknown command 'chaos ws-closed' (did you mean 'chaos ws-close'?)",
        ),
        (
            "[[scenario]]\nname = 'value'\ncommand = 'chaos ws-close'\ncode = 'soon'\n",
            4,
            "scenario 'value': 'code': Input should be a valid integer",
        ),
        (
            "[[scenario]]\nname = 'unsendable'\ncommand = 'chaos ws-close'\ncode = 1005\n",
            4,
            "close code 1005 cannot be sent",
        ),
        ("[[scenario]]\ncommand = 'replay'\nrates = [8000,\n", 3, "invalid TOML"),
        (
            "[policy]\nswitch_within = 2\n[[scenario]]\ncommand = 'replay'\n",
            2,
            "[policy] switch_within applies to chaos stt-crash, chaos failover",
        ),
    ],
)
def test_an_invalid_suite_exits_2_naming_file_line_and_reason(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    suite = _suite(tmp_path, text)
    out_json = tmp_path / "out.json"
    result = _run(str(suite), "--json", str(out_json))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {suite}:{line}: "), lines[0]
    assert message in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert not out_json.exists()  # nothing ran


def test_a_missing_suite_file_exits_2(tmp_path: Path) -> None:
    result = _run(str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "nope.toml:1: no such suite file" in result.stderr


def test_without_an_argument_no_suite_here_is_a_usage_error(tmp_path: Path) -> None:
    result = _run(cwd=tmp_path)
    assert result.returncode == 2
    assert "no suite: pass SUITE.toml" in result.stderr


def test_dry_run_finds_the_pyproject_table_and_prints_each_command(tmp_path: Path) -> None:
    _suite(
        tmp_path,
        '[project]\nname = "mybot"\n\n[[tool.voicectl.scenario]]\nname = "drop"\n'
        'command = "chaos ws-drop"\nafter = 2\n',
        "pyproject.toml",
    )
    result = _run("--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"pyproject.toml: 1 scenarios, run from {tmp_path.resolve()}",
        "  drop: voicectl chaos ws-drop --after 2",
    ]


def test_only_runs_the_named_scenarios_and_rejects_unknown_ones(tmp_path: Path) -> None:
    suite = _suite(tmp_path, QUICK_SUITE)
    result = _run(str(suite), "--only", "resample", "--dry-run")
    assert result.returncode == 0
    assert "close-1008" not in result.stdout and "resample:" in result.stdout
    bad = _run(str(suite), "--only", "resampel")
    assert bad.returncode == 2
    assert "--only 'resampel': no such scenario" in bad.stderr
    assert "(did you mean 'resample'?)" in bad.stderr


def test_a_suite_writes_one_junit_testcase_per_check_agreeing_with_the_exit_code(
    tmp_path: Path,
) -> None:
    suite = _suite(tmp_path, QUICK_SUITE)
    out = {name: tmp_path / f"out.{name}" for name in ("json", "xml", "md", "html")}
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    result = _run(
        str(suite),
        "--json",
        str(out["json"]),
        "--junit",
        str(out["xml"]),
        "--markdown",
        str(summary),
        "--html",
        str(out["html"]),
        "--reports-dir",
        str(tmp_path / "reports"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("FAIL  voicectl run  2 failed: close-1008/close.not_retried")
    report = json.loads(out["json"].read_text())
    assert report["command"] == "run" and report["exit_code"] == 1
    failed = [c["id"] for c in report["checks"] if c["verdict"] == "fail"]
    assert failed == ["close-1008/close.not_retried", "close-1008/error.attributable"]
    order = ["resample", "close-1008"]
    prefixes = [c["id"].split("/")[0] for c in report["checks"]]
    assert prefixes == sorted(prefixes, key=order.index)  # file order, whatever finished first
    scenarios = next(t for t in report["tables"] if t["title"] == "Scenarios")
    assert [row[:4] for row in scenarios["rows"]] == [
        ["resample", "resample-check", "pass", 0],
        ["close-1008", "chaos ws-close", "fail", 1],
    ]

    cases, failures, errors = _junit(out["xml"])
    assert len(cases) == len(report["checks"])
    assert failures == len(failed) and errors == 0
    names = [c.get("name") for c in cases]
    assert len(set(names)) == len(names)

    markdown = summary.read_text()
    assert markdown.startswith("# earlier step\n")
    assert "**voicectl run: FAIL**" in markdown and "#### Scenarios" in markdown
    assert "<svg" in out["html"].read_text()

    kept = sorted(p.name for p in (tmp_path / "reports").glob("*.json"))
    assert kept == ["01-resample.json", "02-close-1008.json"]
    show = subprocess.run(
        [*VOICECTL, "report", "show", str(tmp_path / "reports" / "02-close-1008.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert show.stdout.startswith("FAIL  voicectl chaos ws-close")


def test_an_accepted_behaviour_passes_and_strict_still_fails_it(tmp_path: Path) -> None:
    accepting = QUICK_SUITE.replace(
        "budget = 5\n",
        'budget = 5\npolicy = { expect = "recoverable", accept = ["error.attributable"] }\n',
    )
    suite = _suite(tmp_path, accepting)
    out_json = tmp_path / "out.json"
    result = _run(str(suite), "--only", "close-1008", "--json", str(out_json), "-q")
    assert result.returncode == 0, result.stdout
    checks = {c["id"]: c for c in json.loads(out_json.read_text())["checks"]}
    assert checks["close-1008/close.not_retried"]["verdict"] == "skip"  # retries allowed now
    attributable = checks["close-1008/error.attributable"]
    assert attributable["verdict"] == "warn"
    assert attributable["detail"].startswith("accepted by the suite's policy")
    strict = _run(str(suite), "--only", "close-1008", "--strict", "-q")
    assert strict.returncode == 1, strict.stdout


def test_the_suite_deadline_stops_everything_with_exit_3_and_a_report(tmp_path: Path) -> None:
    suite = _suite(
        tmp_path,
        "[[scenario]]\nname = 'long'\ncommand = 'chaos interrupt'\n"
        "[[scenario]]\nname = 'longer'\ncommand = 'chaos stt-crash'\n",
    )
    out_json, out_xml = tmp_path / "out.json", tmp_path / "out.xml"
    reports = tmp_path / "reports"
    result = _run(
        str(suite),
        "--timeout",
        "3",
        "--json",
        str(out_json),
        "--junit",
        str(out_xml),
        "--reports-dir",
        str(reports),
    )
    assert result.returncode == 3, result.stdout + result.stderr
    report = json.loads(out_json.read_text())
    assert report["harness_error"] == "run did not finish within --timeout 3 s"
    unfinished = [c for c in report["checks"] if c["id"].endswith("/harness")]
    assert [c["verdict"] for c in unfinished] == ["error", "error"]
    assert unfinished[0]["observed"].startswith("not finished: the suite was stopped")
    _, failures, errors = _junit(out_xml)
    assert failures == 0 and errors == 3  # two scenarios and the harness testcase
    leftovers = subprocess.run(
        ["pgrep", "-f", "--", f"--json {reports}"], capture_output=True, text=True, check=False
    )
    assert leftovers.returncode == 1, f"scenario processes outlived the suite: {leftovers.stdout}"


def test_sigint_stops_the_suite_with_exit_130_a_partial_report_and_no_leftovers(
    tmp_path: Path,
) -> None:
    import signal
    import time

    suite = _suite(tmp_path, "[[scenario]]\nname = 'long'\ncommand = 'chaos interrupt'\n")
    out_json, reports = tmp_path / "out.json", tmp_path / "reports"
    proc = subprocess.Popen(
        [*VOICECTL, "run", str(suite), "--json", str(out_json), "--reports-dir", str(reports)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        while not (reports / "01-long.stderr.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stdout
    report = json.loads(out_json.read_text())
    assert report["interrupted"] is True
    (harness,) = [c for c in report["checks"] if c["id"] == "long/harness"]
    assert harness["verdict"] == "error" and harness["observed"].startswith("not finished")
    leftovers = subprocess.run(
        ["pgrep", "-f", "--", f"--json {reports}"], capture_output=True, text=True, check=False
    )
    assert leftovers.returncode == 1, f"scenario processes outlived the suite: {leftovers.stdout}"
