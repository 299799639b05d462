"""``voicectl load`` from the command line, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from local_servers import write_first_turn
from on_a_terminal import run_on_a_terminal
from shared_runs import shared_run

from voicectl.audio.io import write_wav

VOICECTL = [sys.executable, "-m", "voicectl"]
SINK = Path(__file__).parents[1] / "integration" / "minimal_sink.py"


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VOICECTL, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"},
    )


@pytest.fixture(scope="module")
def first_turn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 7 s of the bundled ``order_status`` call, with a one-utterance sidecar."""
    return write_first_turn(tmp_path_factory.mktemp("calls"))


@pytest.fixture
def sink_url() -> Iterator[str]:
    """A minimal WebSocket sink in a subprocess on a free loopback port."""
    proc = subprocess.Popen(
        [sys.executable, str(SINK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"ws://127.0.0.1:{port}/ws"
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calls", "0"], "--calls must be at least 1, got 0"),
        (["--ramp", "0"], "--ramp must be a positive number of calls per second"),
        (["--duration", "-5"], "--duration must be positive"),
        (["--count", "0"], "--count must be at least 1"),
        (["--url", "http://127.0.0.1:1/ws"], "--url must be a ws:// or wss:// URL"),
        (["--carrier", "raw"], "--carrier raw: the reference bot detects twilio"),
        (["--bot-rate", "11025"], "--bot-rate must be one of 8000, 16000, 24000, 48000"),
        (["--min-success", "1.5"], "--min-success is a share between 0 and 1"),
        (["--first-audio-p95", "0"], "--first-audio-p95 must be positive"),
        (["--pacing-p95-ms", "-1"], "--pacing-p95-ms must be positive"),
        (["--timeout", "0"], "--timeout must be positive"),
        (["--url", "ws://127.0.0.1:1/ws", "--bot-rate", "8000"], "apply to the reference bot"),
        (["missing.wav"], "missing.wav"),
        (["--caller-channel", "right"], "--caller-channel applies to two-party stereo"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = _run("load", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_audio_without_a_sidecar_or_speech_is_rejected(tmp_path: Path) -> None:
    lone = tmp_path / "lone.wav"
    write_wav(lone, np.zeros(8000, dtype=np.int16), 8000)
    result = _run("load", str(lone))
    assert result.returncode == 2
    assert f"{lone}: no speech found (Silero VAD" in result.stderr


def test_an_unreachable_bot_is_an_error_with_the_reason_in_every_report(
    first_turn: Path, tmp_path: Path
) -> None:
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    url = "ws://127.0.0.1:9/ws"
    result = _run(
        "load", str(first_turn), "--url", url, "--calls", "3", "--ramp", "50",
        "--json", str(out_json), "--junit", str(out_xml),
    )  # fmt: skip
    assert result.returncode == 3, result.stdout
    assert result.stdout.splitlines()[0].startswith("ERROR voicectl load  4 errored")
    report = json.loads(out_json.read_text())
    assert report["command"] == "load" and report["verdict"] == "error"
    checks = {c["id"]: c for c in report["checks"]}
    assert {c["verdict"] for c in checks.values()} == {"error"}
    assert (
        f"none of the 3 calls reached the bot (cannot connect to {url}"
        in (checks["load.success_rate"]["observed"])
    )
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite is not None and suite.get("errors") == "4" and suite.get("tests") == "4"


@pytest.mark.slow
@pytest.mark.timing
def test_a_sink_run_draws_a_live_table_on_a_terminal_and_none_in_a_pipe(
    first_turn: Path, sink_url: str
) -> None:
    args = [*VOICECTL, "load", str(first_turn), "--url", sink_url, "--calls", "4", "--ramp", "8"]
    drawn, code = run_on_a_terminal(args)
    assert code == 3  # a sink never answers: it fails, and sends nothing carrier.protocol can judge
    assert "send-time error" in drawn and "in progress" in drawn
    assert "2 failed: load.success_rate, load.first_audio_p95" in drawn
    piped = _run("load", str(first_turn), "--url", sink_url, "--calls", "4", "--ramp", "8")
    assert piped.returncode == 3
    assert "in progress" not in piped.stdout + piped.stderr
    assert "no answer to any of 1 utterances" in piped.stdout  # the "Failed calls" table


@pytest.mark.slow
@pytest.mark.timing
def test_load_with_no_arguments_passes_against_the_reference_bot() -> None:
    # The same run as load.md's `voicectl load` example.
    run = shared_run("load", timeout=170)
    out_xml = run.folder / "report.xml"
    assert run.code == 0, run.output[-5000:]
    assert run.output.splitlines()[0].startswith("PASS  voicectl load  4/4 checks passed")
    report = run.report
    assert report["verdict"] == "pass" and report["args"]["calls"] == 8
    assert report["metrics"]["calls"] == 8 and report["metrics"]["peak_concurrency"] == 8
    assert report["tables"][0]["title"].startswith("Load: first-audio latency in ms")
    load_rows = report["tables"][0]["rows"]
    assert load_rows[-1][0] == "all" and load_rows[-1][1] == 8
    assert sum(e["kind"] == "call_ended" for e in report["events"]) == 8
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "0"


ROOT = Path(__file__).resolve().parents[2]


def test_the_load_page_check_table_names_the_cli_options_and_defaults() -> None:
    page = (ROOT / "docs" / "commands" / "load.md").read_text()
    table = page[page.index("| check | passes when | option |") :].split("\n\n")[0]
    options = [row.split("|")[3].strip(" `") for row in table.splitlines()[2:]]
    assert options == ["--min-success", "--first-audio-p95", "--pacing-p95-ms"]
    helptext = _run("load", "--help").stdout
    for option, default in zip(options, ("0.99", "2.5", "5.0"), strict=True):
        assert option in helptext
        assert f"[default: {default}]" in helptext
    assert "99 %" in table and "2.5 s" in table and "5 ms" in table


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc, Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@pytest.mark.slow
def test_a_killed_load_run_leaves_no_reference_bot_behind() -> None:
    proc = subprocess.Popen(
        [*VOICECTL, "load", "--calls", "1", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bots: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not bots and time.monotonic() < deadline:
            bots = _children(proc.pid)
            time.sleep(0.2)
        assert bots, "the reference bot child did not start"
        time.sleep(3.0)  # let the bot get going
        proc.kill()  # SIGKILL: the load run gets no chance to clean up
        proc.wait(timeout=10)
        gone_by = time.monotonic() + 15
        while time.monotonic() < gone_by and any(_alive(bot) for bot in bots):
            time.sleep(0.2)
        assert not any(_alive(bot) for bot in bots)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for bot in bots:
            if _alive(bot):
                os.kill(bot, 9)


def test_load_says_which_channel_of_a_two_party_recording_is_the_caller(tmp_path: Path) -> None:
    import shutil

    dual = tmp_path / "dual.wav"
    shutil.copy(ROOT / "tests" / "data" / "real_calls" / "two_party.wav", dual)
    result = _run("load", str(dual), "--url", "ws://127.0.0.1:9/ws", "--calls", "1", "-q")
    assert result.stderr.splitlines() == [
        f"note: {dual}: two-party recording: the left channel is replayed as the caller, the "
        "right channel is kept as the original bot's track (--caller-channel right to swap)",
        f"note: {dual}: no sidecar (dual.json); 5 caller utterances found by Silero VAD "
        "(voicectl segment writes them for review)",
    ]
    swapped = _run("load", str(dual), "--caller-channel", "right", "--url", "ws://127.0.0.1:9/ws")
    assert "the right channel is replayed as the caller" in swapped.stderr.splitlines()[0]
