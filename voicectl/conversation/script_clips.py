"""A call script's audio, rendered before the call: every ``say`` step as a clip at the wire rate.

Recording utterances and segments are cut from their files, text is spoken by espeak-ng; a bad
file or a missing espeak-ng is an :class:`~voicectl.errors.InputError`, not a broken call.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from voicectl.errors import InputError
from voicectl.suite.callscript import CallScriptSpec

__all__ = ["Clip", "prepare_clips", "script_length_s"]

_ESPEAK_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Clip:
    """What one ``say`` step speaks, at the wire rate."""

    samples: npt.NDArray[np.int16]
    text: str


def prepare_clips(script: CallScriptSpec, wire_rate: int) -> dict[int, Clip]:
    """Every ``say`` step's audio by step number; unreadable audio raises InputError."""
    from voicectl.audio.io import load_audio, resample
    from voicectl.audio.script import load_call

    clips: dict[int, Clip] = {}
    for step in script.steps:
        say = step.say
        if step.action != "say" or say is None:
            continue
        where = f"{script.source}:{step.line}: step {step.number}"
        if say.audio is None:
            samples, rate = _espeak(say.text, where)
            clips[step.number] = Clip(resample(samples, rate, wire_rate), say.text)
            continue
        if say.utterance is not None:
            call = load_call(say.audio)
            utterances = call.script.utterances
            if say.utterance > len(utterances):
                raise InputError(
                    f"{where}: {say.audio.name} has {len(utterances)} utterances in its sidecar, "
                    f"not {say.utterance}"
                )
            u = utterances[say.utterance - 1]
            audio = call.audio
            part = audio.samples[int(u.start * audio.sample_rate) : int(u.end * audio.sample_rate)]
            clips[step.number] = Clip(resample(part, audio.sample_rate, wire_rate), u.text)
            continue
        audio = load_audio(say.audio)
        start, end = say.start or 0.0, say.end or 0.0
        if end > audio.duration_s:
            raise InputError(
                f"{where}: segment ends at {end:g} s, past the end of {say.audio.name} "
                f"({audio.duration_s:.2f} s)"
            )
        part = audio.samples[int(start * audio.sample_rate) : int(end * audio.sample_rate)]
        clips[step.number] = Clip(resample(part, audio.sample_rate, wire_rate), "")
    return clips


def _espeak(text: str, where: str) -> tuple[npt.NDArray[np.int16], int]:
    import soundfile as sf

    try:
        done = subprocess.run(
            ["espeak-ng", "--stdout", text],
            capture_output=True,
            timeout=_ESPEAK_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise InputError(f"{where}: say text needs espeak-ng, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise InputError(
            f"{where}: espeak-ng did not finish in {_ESPEAK_TIMEOUT_S:.0f} s"
        ) from None
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(f"{where}: espeak-ng failed: {reason[0] if reason else done.returncode}")
    data, rate = sf.read(io.BytesIO(done.stdout), dtype="int16")
    samples = np.asarray(data, dtype=np.int16)
    return (samples if samples.ndim == 1 else samples[:, 0]), int(rate)


def script_length_s(script: CallScriptSpec, clips: dict[int, Clip], wire_rate: int) -> float:
    """An upper bound on the call's length: every say, wait and bound in turn."""
    total = 1.0
    for step in script.steps:
        clip = clips.get(step.number)
        total += clip.samples.size / wire_rate + 0.1 if clip is not None else 0.0
        total += step.seconds + step.within_s + step.for_s + 0.2 * len(step.digits)
    return total
