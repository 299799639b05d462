"""``voicectl segment`` and ``voicectl replay`` on real recordings without sidecars."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import voicectl
from voicectl.audio.io import load_audio, write_wav
from voicectl.audio.segment import score_segmentation

VOICECTL = [sys.executable, "-m", "voicectl"]
REAL_CALLS = Path(__file__).resolve().parent.parent / "data" / "real_calls"
SCHEMA = json.loads((Path(voicectl.__file__).parent / "data" / "sidecar.schema.json").read_text())


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VOICECTL, *args], capture_output=True, text=True, timeout=timeout)


def _reference(name: str) -> list[tuple[float, float]]:
    document = json.loads((REAL_CALLS / f"{name}.reference.json").read_text())
    return [(u["start"], u["end"]) for u in document["utterances"]]


def _one_error_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == f"error: {expected}"
    assert "Traceback" not in result.stdout + result.stderr


# --- segment ------------------------------------------------------------------------------


def test_segment_writes_a_sidecar_that_matches_the_schema_and_the_reference(
    tmp_path: Path,
) -> None:
    import jsonschema

    call = tmp_path / "call_a.wav"
    shutil.copy(REAL_CALLS / "call_a.wav", call)
    result = _run("segment", str(call))
    assert result.returncode == 0, result.stderr
    assert f"wrote {tmp_path / 'call_a.json'}: 6 caller utterances in" in result.stdout
    document = json.loads((tmp_path / "call_a.json").read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["sample_rate"] == 8000
    assert document["description"].startswith("caller utterances found by Silero VAD")
    assert all("text" not in u for u in document["utterances"])
    found = [(u["start"], u["end"]) for u in document["utterances"]]
    assert score_segmentation(found, _reference("call_a")).matched == 6


def test_segment_never_overwrites_a_sidecar_unless_forced(tmp_path: Path) -> None:
    call = tmp_path / "call_b.wav"
    shutil.copy(REAL_CALLS / "call_b.wav", call)
    (tmp_path / "call_b.json").write_text('{"utterances": []}')
    _one_error_line(
        _run("segment", str(call)),
        f"{tmp_path / 'call_b.json'}: a sidecar exists already (--force to overwrite it)",
    )
    assert (tmp_path / "call_b.json").read_text() == '{"utterances": []}'
    assert _run("segment", str(call), "--force", "--quiet").returncode == 0
    assert len(json.loads((tmp_path / "call_b.json").read_text())["utterances"]) == 6


def test_segment_out_writes_elsewhere_and_leaves_the_recording_alone(tmp_path: Path) -> None:
    out = tmp_path / "sidecars"
    result = _run("segment", str(REAL_CALLS / "call_c.wav"), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert (out / "call_c.json").is_file() and not (REAL_CALLS / "call_c.json").exists()


def test_segment_of_a_silent_recording_is_one_line_and_exit_2(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.wav"
    write_wav(quiet, np.zeros(8000 * 2, dtype=np.int16), 8000)
    result = _run("segment", str(quiet))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {quiet}: no speech found (Silero VAD")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "quiet.json").exists()


def test_segment_of_an_unreadable_mp3_is_one_line_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(range(256)) * 12)
    _one_error_line(
        _run("segment", str(broken)),
        f"{broken}: not a readable audio file (corrupt or unsupported audio data)",
    )


def test_segment_caller_channel_of_a_mono_recording_is_one_line_and_exit_2(
    tmp_path: Path,
) -> None:
    _one_error_line(
        _run("segment", str(REAL_CALLS / "call_c.wav"), "--caller-channel", "right", "--out",
             str(tmp_path)),
        "--caller-channel applies to two-party stereo recordings, and none of the recordings "
        "is one (it would be ignored): drop --caller-channel",
    )  # fmt: skip
    assert not (tmp_path / "call_c.json").exists()


def test_segment_help_lists_the_formats() -> None:
    result = _run("segment", "--help")
    text = " ".join(result.stdout.replace("│", " ").split())
    for name in ("MP3", "FLAC", "OGG/Opus", "mu-law", "A-law", "Twilio Media Streams"):
        assert name in text


# --- replay of real recordings without a sidecar -------------------------------------------


def test_replay_refuses_a_sidecar_made_for_another_recording(tmp_path: Path) -> None:
    call = tmp_path / "call_a.wav"
    shutil.copy(REAL_CALLS / "call_a.wav", call)
    (tmp_path / "call_a.json").write_text(
        json.dumps({"duration_s": 60.0, "utterances": [{"start": 1.0, "end": 2.0}]})
    )
    duration = load_audio(call).duration_s
    _one_error_line(
        _run("replay", str(call)),
        f"{tmp_path / 'call_a.json'}: says the call lasts 60.00 s but {call} lasts "
        f"{duration:.2f} s; is it the sidecar of another recording?",
    )


def _utterances(report: dict[str, object], label: str) -> list[tuple[float, float]]:
    events = report["events"]
    assert isinstance(events, list)
    return [
        (e["t"], e["end"])
        for e in events
        if e["source"] == f"call:{label}" and e["kind"] == "utterance"
    ]


@pytest.mark.slow
def test_replay_finds_the_same_caller_utterances_in_mono_dual_channel_and_mp3(
    tmp_path: Path,
) -> None:
    """The same real two-party call as a caller-only mono WAV, the dual-channel WAV and an MP3
    of it, no sidecars: every replay finds the caller's utterances, never the bot's."""
    dual = tmp_path / "dual.wav"
    shutil.copy(REAL_CALLS / "two_party.wav", dual)
    stereo, rate = sf.read(dual, dtype="int16")
    write_wav(tmp_path / "mono.wav", np.ascontiguousarray(stereo[:, 0]), rate)
    # From floats: libsndfile 1.2.2's MP3 encoder garbles interleaved int16 stereo input.
    sf.write(tmp_path / "dual_as.mp3", stereo / 32768.0, rate, format="MP3")
    out = tmp_path / "r.json"
    result = _run(
        "replay",
        str(tmp_path / "mono.wav"),
        str(dual),
        str(tmp_path / "dual_as.mp3"),
        "--rates",
        "8000",
        "--json",
        str(out),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    notes = result.stderr.strip().splitlines()
    assert len(notes) == 5
    assert notes[0].startswith(f"note: {tmp_path / 'mono.wav'}: no sidecar (mono.json); 5 caller")
    assert notes[1].startswith(
        f"note: {dual}: two-party recording: the left channel is replayed as the caller"
    )
    report = json.loads(out.read_text())
    mono = _utterances(report, "mono @ 8000 Hz")
    assert score_segmentation(mono, _reference("two_party")).matched == 5
    assert _utterances(report, "dual @ 8000 Hz") == mono
    from_mp3 = _utterances(report, "dual_as @ 8000 Hz")
    assert score_segmentation(from_mp3, mono, tolerance_s=0.1).matched == len(mono) == 5
    original = [e for e in report["events"] if e["kind"] == "original_bot_speech"]
    assert {e["source"] for e in original} == {"recording:dual", "recording:dual_as"}
    bot_turns = [(e["t"], e["end"]) for e in original if e["source"] == "recording:dual"]
    assert bot_turns and all(e["channel"] == "right" for e in original)
    assert score_segmentation(bot_turns, mono).spurious == len(bot_turns)  # none is the caller
    answered = [c for c in report["checks"] if c["id"] == "replay.bot_answered"]
    assert [c["verdict"] for c in answered] == ["pass"] * 3
    assert [c["metrics"]["utterances"] for c in answered] == [5, 5, 5]
