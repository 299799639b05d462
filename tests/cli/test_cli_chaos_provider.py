"""``voicectl chaos ws-close|ws-drop|handshake|stall|malformed|latency|flap`` as a user runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voicectl.cli.main import app

VOICECTL = [sys.executable, "-m", "voicectl"]
ROOT = Path(__file__).resolve().parents[2]
TARGETS = ROOT / "tests" / "integration" / "chaos_targets.py"


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    return subprocess.run(
        [*VOICECTL, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "unknown fault 'nope' (known: "),
        (["ws-close", "--code", "1005"], "close code 1005 cannot be sent"),
        (["ws-close", "--code", "1006"], "close code 1006 cannot be sent"),
        (["ws-close", "--code", "1015"], "close code 1015 cannot be sent"),
        (["ws-close", "--code", "999"], "valid codes are 1000-4999"),
        (["ws-close", "--code", "5000"], "valid codes are 1000-4999"),
        (["flap", "--code", "1006"], "close code 1006 cannot be sent"),
        (["flap", "--lifetimes", "6,0"], "--lifetimes must all be > 0"),
        (["ws-close", "--target", "nope"], "unknown target 'nope'"),
        (["ws-close", "--target", "missing.py:make"], "missing.py: no such file"),
        (["ws-close", "--target", f"{TARGETS}:nothing"], "has no attribute 'nothing'"),
        (["ws-close", "--target", "soniox", "--protocol", "assemblyai"], "speaks 'soniox'"),
        (["ws-close", "--protocol", "nope"], "unknown protocol 'nope'"),
        (["ws-close", "--on", "0"], "--on '0'"),
        (["ws-close", "--after", "1", "--after-messages", "2"], "not both"),
        (["handshake", "--status", "101"], "would accept the handshake"),
        (["handshake", "--status", "700"], "from 200 to 599"),
        (["latency", "--ms", "100", "--jitter", "200"], "cannot exceed"),
        (["latency", "--target", f"{TARGETS}:make_well_behaved_stt"], "nothing to delay"),
        (["ws-drop", "--budget", "30", "--timeout", "20"], "must be longer than --budget"),
        (["stall", "--stage", "stt", "--after", "3"], "--after applies to --stage provider only"),
        (["stall", "--stage", "stt", "--seed", "1"], "--seed applies to --stage provider only"),
        (["stall", "--heartbeats"], "--heartbeats applies to --stage stt only"),
        (["stall", "--at", "4"], "--at applies to --stage stt only"),
        (["ws-close", "--seed", "1"], "nothing in chaos ws-close is random"),
        (["latency", "--seed", "1"], "--seed seeds latency's --jitter"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["chaos", *args])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
def test_the_1008_example_fails_close_not_retried_with_every_report(tmp_path: Path) -> None:
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    result = _run(
        "chaos", "ws-close", "--code", "1008", "--json", str(out_json), "--junit", str(out_xml)
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "FAIL  voicectl chaos ws-close  2 failed: close.not_retried, error.attributable"
    )
    assert "Connections to the fake provider (3 in" in result.stdout
    assert "close 1008" in result.stdout and "on_usable_changed" in result.stdout
    report = json.loads(out_json.read_text())
    assert report["verdict"] == "fail" and report["command"] == "chaos ws-close"
    checks = {c["id"]: c["verdict"] for c in report["checks"]}
    assert checks["close.not_retried"] == "fail" and checks["error.surfaced"] == "pass"
    connections = [e for e in report["events"] if e["kind"] == "connection"]
    assert len(connections) == 3 and connections[0]["auth_header"] == "Authorization: Bearer ***"
    assert report["metrics"]["verdict_after_give_up_s"] < 1.0
    assert "voicectl-fake-key" not in out_json.read_text() + result.stdout
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) == 2


@pytest.mark.slow
@pytest.mark.timing
def test_sigint_still_writes_the_report_with_what_was_measured(tmp_path: Path) -> None:
    out_json = tmp_path / "interrupted.json"
    args = ["chaos", "ws-close", "--code", "1011", "--after", "6", "--json", str(out_json), "-q"]
    process = subprocess.Popen(
        [*VOICECTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    time.sleep(10)  # the silent 6 s reconnect loop is under way (never settles by itself)
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 130, stdout
    report = json.loads(out_json.read_text())
    assert report["verdict"] == "error" and report["metrics"]["stop_reason"] == "interrupted"
    assert report["metrics"]["connections"] >= 1
    assert any(e["kind"] == "connection" for e in report["events"])
    assert {c["id"] for c in report["checks"]} >= {"reconnect.bounded", "error.surfaced"}


@pytest.mark.slow
def test_handshake_401_against_deepgram_flux_passes() -> None:
    result = _run("chaos", "handshake", "--status", "401", "--target", "deepgram-flux", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS  voicectl chaos handshake")


@pytest.mark.slow
def test_custom_factory_target_with_generic_protocol_passes() -> None:
    result = _run(
        "chaos",
        "ws-close",
        "--code",
        "1008",
        "--target",
        f"{TARGETS}:make_well_behaved_stt",
        "--protocol",
        "generic",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  close.not_retried" in result.stdout


@pytest.mark.slow
def test_reconnect_storm_is_judged_with_a_bounded_journal(tmp_path: Path) -> None:
    out_json = tmp_path / "storm.json"
    result = _run(
        "chaos",
        "ws-close",
        "--code",
        "1000",
        "--after",
        "0",
        "--target",
        "cartesia-tts",
        "--budget",
        "3",
        "--full-budget",
        "--json",
        str(out_json),
        "-q",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(out_json.read_text())
    assert report["metrics"]["connections"] > 100
    assert report["metrics"]["stop_reason"] == "budget"
    assert len(report["events"]) < 1500
    bounded = next(c for c in report["checks"] if c["id"] == "reconnect.bounded")
    assert bounded["verdict"] == "fail" and "per second" in bounded["observed"]
