"""Test support: recordings cut from the bundled calls, and waiting for a server subprocess."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from voicectl.audio.io import write_wav
from voicectl.audio.script import bundled_fixtures_dir, load_call

#: The example user bot (examples/twilio_bot/bot.py), started as a user would with --bot-cmd.
EXAMPLE_BOT = Path(__file__).resolve().parents[2] / "examples" / "twilio_bot" / "bot.py"
EXAMPLE_BOT_CMD = f"{sys.executable} {EXAMPLE_BOT} -t twilio --host 127.0.0.1 --port {{port}}"
#: The fakes it needs: two Deepgram STTs (primary, backup), OpenAI, Cartesia.
EXAMPLE_FAKES = (
    "--fake", "deepgram", "--fake", "deepgram:backup", "--fake", "openai", "--fake", "cartesia",
)  # fmt: skip


def write_first_turn(folder: Path, *, silence_after_s: float = 0.0, text: str = "hi") -> Path:
    """The first 7 s of the bundled ``order_status`` call (one utterance, 0.88-4.33 s), then
    ``silence_after_s`` of silence, as a WAV with its sidecar in ``folder``; returns its path."""
    import numpy as np

    source = load_call(bundled_fixtures_dir() / "order_status.wav")
    assert source.script is not None
    audio = np.concatenate(
        [source.audio.samples[: 7 * 8000], np.zeros(round(silence_after_s * 8000), np.int16)]
    )
    write_wav(folder / "first_turn.wav", audio, 8000)
    utterance = source.script.utterances[0]
    sidecar = {"utterances": [{"start": utterance.start, "end": utterance.end, "text": text}]}
    (folder / "first_turn.json").write_text(json.dumps(sidecar))
    return folder / "first_turn.wav"


def write_opening(folder: Path, seconds: float = 14.5) -> Path:
    """The first ``seconds`` of the bundled ``order_status`` call (by default its first two
    utterances, 0.88-4.33 s and 8.33-12.62 s) with their sidecar, as ``opening.wav``."""
    source = load_call(bundled_fixtures_dir() / "order_status.wav")
    assert source.script is not None
    write_wav(folder / "opening.wav", source.audio.samples[: round(seconds * 8000)], 8000)
    kept = [u for u in source.script.utterances if u.end < seconds]
    sidecar = {"utterances": [{"start": u.start, "end": u.end, "text": u.text} for u in kept]}
    (folder / "opening.json").write_text(json.dumps(sidecar))
    return folder / "opening.wav"


def wait_until_listening(
    port: int,
    proc: subprocess.Popen[bytes],
    what: str,
    log: Path | None = None,
    timeout_s: float = 60.0,
) -> None:
    """Return once something accepts on 127.0.0.1:``port``; fail if ``proc`` exits or time runs
    out, naming the server (``what``) and ending with the tail of its ``log``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited with code {proc.returncode}{_tail(log)}")
        time.sleep(0.2)
    raise AssertionError(f"{what} did not listen within {timeout_s:.0f} s{_tail(log)}")


def _tail(log: Path | None) -> str:
    return f"; its log ends: {log.read_text(errors='replace')[-2000:]}" if log else ""


def run_voicectl(
    *args: str, timeout: float = 240, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m voicectl ARGS`` as a user runs it (wide console, so lines do not wrap)."""
    import os
    import sys

    return subprocess.run(
        [sys.executable, "-m", "voicectl", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "400", **(env or {})},
    )


def report_checks(report: Path, check_id: str) -> list[dict[str, object]]:
    """The checks with ``check_id`` in a saved JSON report."""
    return [c for c in json.loads(report.read_text())["checks"] if c["id"] == check_id]
