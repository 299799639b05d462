"""``--caller-channel`` on every chaos command that takes a recording (``--audio``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from voicectl.cli.main import app

TWO_PARTY = Path(__file__).resolve().parents[1] / "data" / "real_calls" / "two_party.wav"
COMMANDS = [
    "interrupt",
    "hangup",
    "carrier-close",
    "stt-crash",
    "failover",
    "slow-reader",
    "backchannel",
    "silence",
    "media-gap",
    "heartbeat",
]


@pytest.fixture(scope="module")
def silent_right(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real two-party call with its right (bot) channel silenced."""
    frames, rate = sf.read(TWO_PARTY, dtype="int16", always_2d=True)
    frames = np.ascontiguousarray(frames)
    frames[:, 1] = 0
    path = tmp_path_factory.mktemp("calls") / "left_only.wav"
    sf.write(path, frames, rate, subtype="PCM_16")
    return path


@pytest.mark.parametrize("command", COMMANDS)
def test_chaos_command_takes_the_caller_from_the_channel_named(
    command: str, silent_right: Path
) -> None:
    # The right channel is silent: naming it must be refused before anything runs, which
    # shows the option reached the recording (the default, left, would be accepted).
    result = CliRunner().invoke(
        app, ["chaos", command, "--audio", str(silent_right), "--caller-channel", "right"]
    )
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stdout + result.stderr
    assert "the right channel (the caller) is silent" in lines[0]
    assert "try --caller-channel left" in lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_chaos_command_rejects_a_caller_channel_for_a_mono_recording(command: str) -> None:
    # The bundled order_status call is mono: there is no channel to choose, so the option
    # would be ignored.
    result = CliRunner().invoke(app, ["chaos", command, "--caller-channel", "right"])
    assert result.exit_code == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stdout + result.stderr
    assert "--caller-channel applies to two-party stereo recordings" in lines[0]


def test_chaos_command_rejects_a_caller_channel_that_is_neither_left_nor_right() -> None:
    result = CliRunner().invoke(
        app, ["chaos", "hangup", "--audio", str(TWO_PARTY), "--caller-channel", "middle"]
    )
    assert result.exit_code == 2
    assert "--caller-channel" in result.stdout + result.stderr


def test_chaos_command_replays_the_right_channel_when_asked() -> None:
    # Nothing listens at the URL; the notice is printed when the recording is loaded.
    result = CliRunner().invoke(
        app,
        [
            "chaos",
            "hangup",
            "--audio",
            str(TWO_PARTY),
            "--caller-channel",
            "right",
            "--url",
            "ws://127.0.0.1:1",
            "--timeout",
            "10",
        ],
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert (
        f"note: {TWO_PARTY}: two-party recording: the right channel is replayed as the caller, "
        "the left channel is kept as the original bot's track (--caller-channel left to swap)"
    ) in result.stderr
