"""Speech-shaped TTS answers whose length follows the text, cheap enough for hundreds of calls.

The audio is the reference bot's synthetic speech (:func:`voicectl.bot.speech.synthesize_reply`),
made once per sample rate and sliced: a reply lasts about as long as a person would take to say
the text (``SECONDS_PER_CHAR``, ~15 characters a second), at least ``MIN_SECONDS``.
"""

from __future__ import annotations

import functools

import numpy as np

from voicectl.audio.g711 import alaw_encode, ulaw_encode
from voicectl.bot.speech import synthesize_reply

__all__ = ["MIN_SECONDS", "SECONDS_PER_CHAR", "encode_pcm", "speech_for_text", "speech_seconds"]

SECONDS_PER_CHAR = 1 / 15
MIN_SECONDS = 0.3
_BANK_SECONDS = 12.0


def speech_seconds(text: str) -> float:
    """How long the fake takes to say ``text``."""
    return max(MIN_SECONDS, len(text.strip()) * SECONDS_PER_CHAR)


@functools.lru_cache(maxsize=16)
def _bank(sample_rate: int) -> bytes:
    return synthesize_reply(_BANK_SECONDS, sample_rate, seed=7).astype("<i2").tobytes()


def speech_for_text(text: str, sample_rate: int) -> bytes:
    """PCM s16le speech-shaped audio for ``text`` at ``sample_rate``."""
    bank = _bank(sample_rate)
    want = round(speech_seconds(text) * sample_rate) * 2
    if want <= len(bank):
        return bank[:want]
    return (bank * (want // len(bank) + 1))[:want]


def encode_pcm(pcm: bytes, encoding: str) -> bytes:
    """PCM s16le in a provider's output ``encoding`` (linear16, mulaw, alaw)."""
    if encoding in ("mulaw", "ulaw", "pcm_mulaw"):
        return ulaw_encode(np.frombuffer(pcm, dtype="<i2"))
    if encoding in ("alaw", "pcm_alaw"):
        return alaw_encode(np.frombuffer(pcm, dtype="<i2"))
    return pcm
