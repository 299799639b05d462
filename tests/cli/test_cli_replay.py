"""``voicectl replay`` and ``voicectl bot`` from the command line, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from shared_runs import shared_run
from typer.testing import Result

VOICECTL = [sys.executable, "-m", "voicectl"]


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VOICECTL, *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "missing.wav"], "missing.wav"),
        (["replay", "--rates", "8000,abc"], "--rates must be comma-separated integers"),
        (
            ["replay", "--rates", "11025"],
            "the reference bot runs at 8000, 16000, 24000, 48000 Hz, not 11025",
        ),
        (["replay", "--url", "http://localhost:1/ws"], "--url must be a ws:// or wss:// URL"),
        (["replay", "--carrier", "raw"], "--carrier raw: the reference bot speaks twilio"),
        (
            ["replay", "--url", "ws://127.0.0.1:1/ws", "--rates", "8000,16000,24000"],
            "--rates applies to the reference bot",
        ),
        (["bot", "--rate", "11025"], "--rate must be one of 8000, 16000, 24000, 48000"),
        (
            ["bot", "--no-cancel-on-interruption"],
            "--no-cancel-on-interruption needs --bot full or --bot flows",
        ),
        (
            ["bot", "--bot", "full", "--reply-secs", "3"],
            "--reply-secs applies to --bot responder: the full bot's replies come from its TTS",
        ),
        (["replay", "--stt", "cartesia-tts"], "--stt must be one of"),
        (
            ["replay", "--stt", "soniox", "--url", "ws://127.0.0.1:1/ws"],
            "--stt applies to the reference bot",
        ),
        (["replay", "--line", "loss=5%,jitter=4s"], "--line: jitter must be milliseconds"),
        (["chaos", "interrupt", "--line", "lost=5%"], "--line: unknown impairment 'lost'"),
        (["chaos", "hangup", "--line", "burst=3"], "--line: burst needs a loss rate"),
        (["chaos", "carrier-close", "--line", "snr=loud"], "--line: snr must be decibels"),
        (["load", "--line", "drift=fast"], "--line: drift must be ppm"),
        (["chaos", "dtmf", "--line", "loss=5%,conceal=fade"], "--line: conceal must be one of"),
        (["chaos", "silence", "--line", "jitter=-5ms"], "--line: jitter must be milliseconds"),
        (["replay", "--caller-channel", "right"], "--caller-channel applies to two-party stereo"),
        (["replay", "--rate", "8000"], "--rate applies to raw input files, and none is given"),
        (["replay", "--bot-path", "/bot"], "--bot-path applies to the bot --bot-cmd starts"),
        (["load", "--bot-ready-timeout", "5"], "--bot-ready-timeout applies to the bot --bot-cmd"),
        (
            ["chaos", "hangup", "--caller-silence-bound", "3"],
            "--caller-silence-bound applies to the bot --bot-cmd starts",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, voicectl_in_process: Callable[..., Result]
) -> None:
    result = voicectl_in_process(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_text_file_named_wav_is_rejected(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio\n")
    result = _run("replay", str(bogus))
    assert result.returncode == 2
    assert "notes.wav" in result.stderr and "Traceback" not in result.stderr


def test_recording_without_a_sidecar_or_speech_is_one_line_and_exit_2(tmp_path: Path) -> None:
    from voicectl.audio.io import write_wav

    lone = tmp_path / "lone.wav"
    write_wav(lone, np.zeros(8000 * 3, dtype=np.int16), 8000)
    result = _run("replay", str(lone))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {lone}: no speech found (Silero VAD")
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_bot_is_a_harness_error_with_the_reason_in_every_report(
    tmp_path: Path,
) -> None:
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    result = _run(
        "replay", "--url", "ws://127.0.0.1:9/ws", "--json", str(out_json), "--junit", str(out_xml)
    )
    assert result.returncode == 3  # nothing about the bot was tested: not "a check failed"
    assert result.stdout.splitlines()[0].startswith("ERROR")
    report = json.loads(out_json.read_text())
    assert report["verdict"] == "error" and report["schema_version"] == 1
    assert all(c["verdict"] == "error" for c in report["checks"])
    assert all("cannot connect to ws://127.0.0.1:9/ws" in c["observed"] for c in report["checks"])
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite is not None and int(suite.get("errors", "0")) == len(report["checks"]) == 6


@pytest.mark.slow
def test_replay_with_no_arguments_passes_and_writes_valid_reports() -> None:
    # The same run as the README's, getting-started's and replay.md's `voicectl replay` examples.
    run = shared_run("replay", timeout=170)
    out_xml = run.folder / "report.xml"
    assert run.code == 0, run.output[-3000:]
    assert run.output.splitlines()[0].startswith("PASS  voicectl replay  13/13 checks passed")
    report = run.report
    assert report["verdict"] == "pass" and report["args"]["rates"] == [8000, 16000]
    assert {c["id"] for c in report["checks"]} == {
        "replay.bot_answered",
        "replay.rate_consistency",
        "carrier.protocol",
    }
    assert [t["title"] for t in report["tables"]] == ["Turns", "Per rate", "What the bot perceived"]
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "13" and suite.get("failures") == "0"


def _two_party_call(directory: Path, *, caller_left: bool = True) -> Path:
    """order_status as the caller on one channel, billing_question as the old bot on the other."""
    import shutil

    from voicectl.audio.io import load_audio, write_wav
    from voicectl.audio.script import bundled_fixtures_dir

    caller = load_audio(bundled_fixtures_dir() / "order_status.wav").samples
    bot = load_audio(bundled_fixtures_dir() / "billing_question.wav").samples
    stereo = np.zeros((len(caller), 2), dtype=np.int16)
    stereo[:, 0 if caller_left else 1] = caller
    stereo[: min(len(bot), len(caller)), 1 if caller_left else 0] = bot[: len(caller)]
    path = directory / "dual.wav"
    write_wav(path, stereo, 8000)
    shutil.copy(bundled_fixtures_dir() / "order_status.json", directory / "dual.json")
    return path


@pytest.mark.slow
def test_two_party_recording_replays_the_caller_channel_and_says_so(tmp_path: Path) -> None:
    path = _two_party_call(tmp_path, caller_left=False)
    out_json = tmp_path / "r.json"
    result = _run(
        "replay", str(path), "--caller-channel", "right", "--rates", "8000", "--json", str(out_json)
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert result.stderr.strip() == (
        f"note: {path}: two-party recording: the right channel is replayed as the caller, the "
        "left channel is kept as the original bot's track (--caller-channel left to swap)"
    )
    report = json.loads(out_json.read_text())
    assert report["args"]["caller_channels"] == {str(path): "right"}
    answered = next(c for c in report["checks"] if c["id"] == "replay.bot_answered")
    assert answered["verdict"] == "pass" and answered["metrics"]["utterances"] == 5


def test_silent_caller_channel_is_one_line_and_exit_2(tmp_path: Path) -> None:

    from voicectl.audio.io import write_wav

    path = tmp_path / "half.wav"
    speech = (np.random.default_rng(3).standard_normal(8000) * 4000).astype(np.int16)
    write_wav(path, np.stack([speech, np.zeros_like(speech)], axis=1), 8000)
    result = _run("replay", str(path), "--caller-channel", "right")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {path}: the right channel (the caller) is silent and the left channel is not; "
        "try --caller-channel left"
    )


def test_unknown_caller_channel_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("replay", "--caller-channel", "middle")
    assert result.returncode == 2
    assert "--caller-channel" in result.stderr and "Traceback" not in result.stderr
