"""When the caller speaks in a call: the JSON sidecar next to its audio, or the audio itself.

A sidecar ``NAME.json`` (``NAME.script.json`` for a ``.jsonl``/``.json`` capture) holds::

    {"description": "...", "sample_rate": 8000, "duration_s": 31.2,
     "utterances": [{"start": 1.0, "end": 3.42, "text": "...", "pauses": [[2.1, 2.8]]}]}

``text`` and ``pauses`` (silences inside one utterance that must not end the caller's turn) are
optional; an utterance without text is called "utterance N" wherever words are needed.
``duration_s``, when present, must match the audio's length (a sidecar of another recording is
an error); ``sample_rate`` and any other keys are informational. The JSON Schema is
``voicectl/data/sidecar.schema.json``.

:func:`load_call` is the one place a call's utterances come from: the sidecar when there is
one, otherwise the utterances Silero VAD finds in the caller's audio
(:mod:`voicectl.audio.segment`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from voicectl.audio.io import Audio, load_audio
from voicectl.audio.segment import DEFAULT_RULE, SegmentationRule, SpeechRun, find_speech_runs
from voicectl.errors import HarnessError, InputError

__all__ = [
    "DURATION_TOLERANCE_S",
    "END_SLACK_S",
    "SCHEMA_PATH",
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
    "script_from_audio",
    "segment_call",
    "sidecar_document",
    "sidecar_path",
    "sidecar_text",
]

END_SLACK_S = 0.05  # how far an utterance may end past the audio (rounding of hand-made times)
# A sidecar's duration_s may differ from the audio's length by this much (rounding, codec padding).
DURATION_TOLERANCE_S = 0.25
SCHEMA_PATH = "data/sidecar.schema.json"  # inside the voicectl package

_CAPTURE_SUFFIXES = {".jsonl", ".json"}


@dataclass(frozen=True)
class Utterance:
    """One caller utterance: seconds from the start of the call, and what was said.

    ``text`` is "utterance N" when the words are not known (``transcribed`` is then False).
    """

    start: float
    end: float
    text: str
    pauses: tuple[tuple[float, float], ...] = ()
    transcribed: bool = True

    @property
    def duration_s(self) -> float:
        """Length in seconds, pauses included."""
        return self.end - self.start


@dataclass(frozen=True)
class CallScript:
    """What the caller says in a call, in time order, and where that came from."""

    utterances: tuple[Utterance, ...]
    description: str = ""
    source: str = "sidecar"  # "sidecar", or "audio" when found by Silero VAD
    duration_s: float | None = None  # the length of the audio the sidecar was made for


@dataclass(frozen=True)
class Call:
    """A call to replay: its audio, when the caller speaks, and its name (the file stem).

    ``original_bot_turns`` are the speech runs of the original bot's channel in a two-party
    recording (context for the report; that channel is never replayed).
    """

    audio: Audio
    script: CallScript
    name: str
    original_bot_turns: tuple[SpeechRun, ...] = ()

    @property
    def notices(self) -> list[str]:
        """One line for each thing about this call a person should know before trusting a run."""
        notices = [self.audio.notice] if self.audio.notice else []
        if self.script.source == "audio":
            notices.append(
                f"{self.audio.source}: no sidecar ({sidecar_path(self.audio.source).name}); "
                f"{len(self.script.utterances)} caller utterances found by Silero VAD "
                "(voicectl segment writes them for review)"
            )
        return notices


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
        utterance = _parse_utterance(raw, f"{source}: utterance {number}", number)
        if utterances and utterance.start < utterances[-1].end:
            raise InputError(
                f"{source}: utterance {number} starts at {utterance.start:.2f} s, before "
                f"utterance {number - 1} ends at {utterances[-1].end:.2f} s"
            )
        utterances.append(utterance)
    duration = data.get("duration_s")
    if duration is not None:
        duration = _seconds(duration, f'{source}: "duration_s"')
    return CallScript(tuple(utterances), description, duration_s=duration)


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


def script_from_audio(audio: Audio, rule: SegmentationRule = DEFAULT_RULE) -> CallScript:
    """The caller's utterances found in ``audio`` by Silero VAD (text unknown: "utterance N")."""
    runs = find_speech_runs(audio.samples, audio.sample_rate, rule)
    if not runs:
        raise InputError(
            f"{audio.source}: no speech found ({rule.describe()}); "
            "is this the caller's side of a call?"
        )
    return CallScript(
        tuple(
            Utterance(run.start, run.end, _unknown(number), run.pauses, transcribed=False)
            for number, run in enumerate(runs, start=1)
        ),
        f"caller utterances found by {rule.describe()}",
        source="audio",
    )


def sidecar_document(call: Call) -> dict[str, object]:
    """The sidecar JSON document for a call (text only where it is known)."""
    utterances: list[dict[str, object]] = []
    for utterance in call.script.utterances:
        item: dict[str, object] = {"start": utterance.start, "end": utterance.end}
        if utterance.transcribed:
            item["text"] = utterance.text
        if utterance.pauses:
            item["pauses"] = [list(pause) for pause in utterance.pauses]
        utterances.append(item)
    return {
        "description": call.script.description,
        "sample_rate": call.audio.sample_rate,
        "duration_s": round(call.audio.duration_s, 3),
        "utterances": utterances,
    }


def sidecar_text(document: dict[str, object]) -> str:
    """A sidecar document as JSON for people: one utterance per line."""
    head = {k: v for k, v in document.items() if k != "utterances"}
    lines = [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in head.items()]
    utterances = document.get("utterances", [])
    assert isinstance(utterances, list)
    items = ",\n".join(f"    {json.dumps(item)}" for item in utterances)
    body = f'  "utterances": [\n{items}\n  ]' if utterances else '  "utterances": []'
    return "{\n" + "\n".join([*lines, body]) + "\n}\n"


def load_call(
    path: str | os.PathLike[str], *, rate: int | None = None, caller_channel: str | None = None
) -> Call:
    """Load a call's audio and when the caller speaks: its sidecar, or else found in the audio.

    A sidecar must fit the audio (no utterance past its end, ``duration_s`` within
    :data:`DURATION_TOLERANCE_S`). ``caller_channel`` picks the caller in a two-party stereo
    recording (see :func:`~voicectl.audio.io.load_audio`); the other channel's speech runs
    become ``original_bot_turns``.
    """
    audio = load_audio(path, rate=rate, caller_channel=caller_channel)
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        script = load_script(sidecar)
        _check_fits(sidecar, script, audio)
    else:
        script = script_from_audio(audio)
    return _call(path, audio, script)


def segment_call(
    path: str | os.PathLike[str], *, rate: int | None = None, caller_channel: str | None = None
) -> Call:
    """Load a call and find the caller's utterances in its audio, whether or not it has a sidecar."""
    audio = load_audio(path, rate=rate, caller_channel=caller_channel)
    return _call(path, audio, script_from_audio(audio))


def _call(path: str | os.PathLike[str], audio: Audio, script: CallScript) -> Call:
    bot_turns = (
        find_speech_runs(audio.other_track, audio.sample_rate)
        if audio.other_track is not None
        else ()
    )
    return Call(audio, script, Path(os.fspath(path)).stem, bot_turns)


def _check_fits(sidecar: Path, script: CallScript, audio: Audio) -> None:
    declared = script.duration_s
    if declared is not None and abs(declared - audio.duration_s) > DURATION_TOLERANCE_S:
        raise InputError(
            f"{sidecar}: says the call lasts {declared:.2f} s but {audio.source} lasts "
            f"{audio.duration_s:.2f} s; is it the sidecar of another recording?"
        )
    for number, utterance in enumerate(script.utterances, start=1):
        if utterance.end > audio.duration_s + END_SLACK_S:
            raise InputError(
                f"{sidecar}: utterance {number} ends at {utterance.end:.2f} s, "
                f"after the audio ends ({audio.duration_s:.2f} s)"
            )


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


def _unknown(number: int) -> str:
    return f"utterance {number}"


def _parse_utterance(raw: object, where: str, number: int) -> Utterance:
    if not isinstance(raw, dict):
        raise InputError(f"{where} is not a JSON object")
    start = _seconds(raw.get("start"), f'{where} "start"')
    end = _seconds(raw.get("end"), f'{where} "end"')
    text = raw.get("text")
    if "text" in raw and (not isinstance(text, str) or not text.strip()):
        raise InputError(f'{where} "text" is not a non-empty string')
    if start < 0:
        raise InputError(f"{where} starts before 0 s ({start} s)")
    if end < start:
        raise InputError(f"{where} ends before it starts ({start} s -> {end} s)")
    if end == start:
        raise InputError(f"{where} has zero length (at {start} s)")
    pauses = _parse_pauses(raw.get("pauses", []), where, start, end)
    if text is None:
        return Utterance(start, end, _unknown(number), pauses, transcribed=False)
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
