"""Telephony audio: G.711 codecs, file and capture readers, resampling, call transcripts."""

from voicectl.audio.io import (
    MAX_SAMPLE_RATE,
    MIN_SAMPLE_RATE,
    Audio,
    load_audio,
    resample,
    write_wav,
)
from voicectl.audio.script import (
    Call,
    CallScript,
    Utterance,
    bundled_call_paths,
    bundled_calls,
    bundled_fixtures_dir,
    load_call,
    load_script,
    script_for,
)

__all__ = [
    "MAX_SAMPLE_RATE",
    "MIN_SAMPLE_RATE",
    "Audio",
    "Call",
    "CallScript",
    "Utterance",
    "bundled_call_paths",
    "bundled_calls",
    "bundled_fixtures_dir",
    "load_audio",
    "load_call",
    "load_script",
    "resample",
    "script_for",
    "write_wav",
]
