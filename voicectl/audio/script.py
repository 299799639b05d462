"""Call transcripts: the JSON sidecar next to each call's audio, and the bundled fixture calls.

A sidecar ``NAME.json`` (``NAME.script.json`` for a ``.jsonl``/``.json`` capture) holds::

    {"description": "...", "sample_rate": 8000, "duration_s": 31.2,
     "utterances": [{"start": 1.0, "end": 3.42, "text": "...", "pauses": [[2.1, 2.8]]}]}

``sample_rate``, ``duration_s`` and any other keys are informational and ignored; ``pauses``
(silences inside one utterance that must not end the caller's turn) is optional.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from voicectl.audio.io import Audio, load_audio
from voicectl.errors import HarnessError, InputError

__all__ = [
    "END_SLACK_S",
    "Call",
    "CallScript",
    "Utterance",
    "bundled_call_paths",
    "bundled_calls",
    "bundled_fixtures_dir",
    "load_call",
    "load_script",
    "parse_script",
    "script_for",
    "sidecar_path",
]

END_SLACK_S = 0.05  # how far an utterance may end past the audio (rounding of hand-made times)

_CAPTURE_SUFFIXES = {".jsonl", ".json"}


@dataclass(frozen=True)
class Utterance:
    """One caller utterance: seconds from the start of the call, and what was said."""

    start: float
    end: float
    text: str
    pauses: tuple[tuple[float, float], ...] = ()

    @property
    def duration_s(self) -> float:
        """Length in seconds, pauses included."""
        return self.end - self.start


@dataclass(frozen=True)
class CallScript:
    """What the caller says in a call, in time order."""

    utterances: tuple[Utterance, ...]
    description: str = ""


@dataclass(frozen=True)
class Call:
    """A call to replay: its audio, its transcript if it has one, and its name (the file stem)."""

    audio: Audio
    script: CallScript | None
    name: str


def parse_script(data: object, *, source: str) -> CallScript:
    """Validate a decoded sidecar document; ``source`` names the file in error messages."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: not a JSON object")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise InputError(f'{source}: "description" is not a string')
    raw_utterances = data.get("utterances")
    if not isinstance(raw_utterances, list):
        raise InputError(f'{source}: no "utterances" list')
    utterances: list[Utterance] = []
    for number, raw in enumerate(raw_utterances, start=1):
        utterance = _parse_utterance(raw, f"{source}: utterance {number}")
        if utterances and utterance.start < utterances[-1].end:
            raise InputError(
                f"{source}: utterance {number} starts at {utterance.start:.2f} s, before "
                f"utterance {number - 1} ends at {utterances[-1].end:.2f} s"
            )
        utterances.append(utterance)
    return CallScript(tuple(utterances), description)


def load_script(path: str | os.PathLike[str]) -> CallScript:
    """Read and validate a sidecar transcript."""
    name = os.fspath(path)
    try:
        text = Path(name).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a transcript") from None
    except OSError as error:
        raise InputError(f"{name}: cannot read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{name}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except (ValueError, RecursionError):
        raise InputError(f"{name}: not valid JSON") from None
    return parse_script(data, source=name)


def sidecar_path(audio_path: str | os.PathLike[str]) -> Path:
    """Where a call's transcript lives: ``STEM.json``, or ``STEM.script.json`` for a capture."""
    path = Path(os.fspath(audio_path))
    if path.suffix.lower() in _CAPTURE_SUFFIXES:
        return path.with_name(f"{path.stem}.script.json")
    return path.with_suffix(".json")


def script_for(audio_path: str | os.PathLike[str]) -> CallScript | None:
    """The transcript next to an audio file, or None when it has none."""
    sidecar = sidecar_path(audio_path)
    if not sidecar.is_file():
        return None
    return load_script(sidecar)


def load_call(
    path: str | os.PathLike[str], *, rate: int | None = None, caller_channel: str | None = None
) -> Call:
    """Load a call's audio and its sidecar, checking that the utterances fit in the audio.

    ``caller_channel`` picks the caller in a two-party stereo recording (see
    :func:`~voicectl.audio.io.load_audio`).
    """
    audio = load_audio(path, rate=rate, caller_channel=caller_channel)
    script = script_for(path)
    if script is not None:
        for number, utterance in enumerate(script.utterances, start=1):
            if utterance.end > audio.duration_s + END_SLACK_S:
                raise InputError(
                    f"{sidecar_path(path)}: utterance {number} ends at {utterance.end:.2f} s, "
                    f"after the audio ends ({audio.duration_s:.2f} s)"
                )
    return Call(audio, script, Path(os.fspath(path)).stem)


def bundled_fixtures_dir() -> Path:
    """The directory of fixture calls shipped inside the package."""
    root = resources.files("voicectl") / "data" / "fixtures"
    if not isinstance(root, Path) or not root.is_dir():
        raise HarnessError(f"bundled fixtures not found on the file system ({root})")
    return root


def bundled_call_paths() -> list[Path]:
    """The bundled fixture calls (WAV), sorted by name."""
    return sorted(bundled_fixtures_dir().glob("*.wav"))


def bundled_calls() -> list[Call]:
    """The bundled fixture calls, loaded with their transcripts, sorted by name."""
    return [load_call(path) for path in bundled_call_paths()]


def _parse_utterance(raw: object, where: str) -> Utterance:
    if not isinstance(raw, dict):
        raise InputError(f"{where} is not a JSON object")
    start = _seconds(raw.get("start"), f'{where} "start"')
    end = _seconds(raw.get("end"), f'{where} "end"')
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where} has no text")
    if start < 0:
        raise InputError(f"{where} starts before 0 s ({start} s)")
    if end < start:
        raise InputError(f"{where} ends before it starts ({start} s -> {end} s)")
    if end == start:
        raise InputError(f"{where} has zero length (at {start} s)")
    pauses = _parse_pauses(raw.get("pauses", []), where, start, end)
    return Utterance(start, end, text, pauses)


def _parse_pauses(
    raw: object, where: str, start: float, end: float
) -> tuple[tuple[float, float], ...]:
    if not isinstance(raw, list):
        raise InputError(f'{where} "pauses" is not a list of [start, end] pairs')
    pauses: list[tuple[float, float]] = []
    for number, pair in enumerate(raw, start=1):
        label = f"{where} pause {number}"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError(f"{label} is not a [start, end] pair")
        pause = (_seconds(pair[0], f"{label} start"), _seconds(pair[1], f"{label} end"))
        if not start < pause[0] < pause[1] < end:
            raise InputError(f"{label} ({pause[0]} s -> {pause[1]} s) is not inside the utterance")
        if pauses and pause[0] < pauses[-1][1]:
            raise InputError(f"{label} overlaps or precedes pause {number - 1}")
        pauses.append(pause)
    return tuple(pauses)


def _seconds(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{what} is not a number of seconds")
    return float(value)
