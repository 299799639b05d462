"""Test support: recordings cut from the bundled calls, and waiting for a server subprocess."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

from voicectl.audio.io import write_wav
from voicectl.audio.script import bundled_fixtures_dir, load_call


def write_first_turn(folder: Path) -> Path:
    """The first 7 s of the bundled ``order_status`` call (one utterance, 0.88-4.33 s) as a WAV
    with its sidecar in ``folder``; returns the WAV's path."""
    source = load_call(bundled_fixtures_dir() / "order_status.wav")
    assert source.script is not None
    write_wav(folder / "first_turn.wav", source.audio.samples[: 7 * 8000], 8000)
    utterance = source.script.utterances[0]
    sidecar = {"utterances": [{"start": utterance.start, "end": utterance.end, "text": "hi"}]}
    (folder / "first_turn.json").write_text(json.dumps(sidecar))
    return folder / "first_turn.wav"


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
