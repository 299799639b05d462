"""``--record``: each call's caller and bot audio as one stereo WAV."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voicectl.audio.io import write_wav
from voicectl.replay.plan import CallRun

__all__ = ["record_call"]


def record_call(directory: Path, run: CallRun) -> None:
    """Write ``run``'s caller (left) and bot (right) audio to ``directory/CALL[@RATE].wav``."""
    outcome = run.outcome
    if outcome.caller_audio is None or outcome.bot_audio is None:
        return
    length = max(outcome.caller_audio.size, outcome.bot_audio.size)
    stereo = np.zeros((length, 2), dtype=np.int16)
    stereo[: outcome.caller_audio.size, 0] = outcome.caller_audio
    stereo[: outcome.bot_audio.size, 1] = outcome.bot_audio
    suffix = f"@{run.rate}" if run.rate else ""
    directory.mkdir(parents=True, exist_ok=True)
    write_wav(directory / f"{run.call.name}{suffix}.wav", stereo, outcome.wire_rate)
