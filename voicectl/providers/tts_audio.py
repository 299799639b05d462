"""Speech-shaped TTS answers whose length follows the text, cheap enough for hundreds of calls.

The audio is the reference bot's synthetic speech (:func:`voicectl.audio.speech.synthesize_reply`),
made once at 8 kHz, resampled once per sample rate, and sliced: a reply lasts about as long as a person would take to say
the text (``SECONDS_PER_CHAR``, ~15 characters a second), at least ``MIN_SECONDS``. A fake told to
speak ``speed`` times faster (the reference bot's fakes under ``--fast``) makes it that much
shorter, but never under ``FAST_MIN_SECONDS``.

Streaming fakes (Cartesia) send the answer as base64 chunks of ``CHUNK_SECONDS`` each
(:func:`speech_b64_chunks`); the bank's chunks are encoded once per rate and encoding, so an
answer costs a lookup per chunk instead of encoding seconds of audio per request.
"""

from __future__ import annotations

import base64
import functools

import numpy as np
import soxr

from voicectl.audio.g711 import alaw_encode, ulaw_encode
from voicectl.audio.speech import synthesize_reply

__all__ = [
    "CHUNK_SECONDS",
    "FAST_MIN_SECONDS",
    "MIN_SECONDS",
    "SECONDS_PER_CHAR",
    "encode_pcm",
    "speech_b64_chunks",
    "speech_for_text",
    "speech_seconds",
    "warm_up",
]

SECONDS_PER_CHAR = 1 / 15
MIN_SECONDS = 0.3
#: The shortest sped-up answer: two of Pipecat's 40 ms output chunks and a bit, so a caller
#: still hears a reply (the responder's ``--fast`` replies in the benchmarks are 0.1 s too).
FAST_MIN_SECONDS = 0.1
_BANK_SECONDS = 12.0
#: Audio per message of a streaming fake: 100 ms, 120 chunks to the bank at every rate.
CHUNK_SECONDS = 0.1


def speech_seconds(text: str, speed: float = 1.0) -> float:
    """How long the fake takes to say ``text``, ``speed`` times faster than a person would."""
    seconds = max(MIN_SECONDS, len(text.strip()) * SECONDS_PER_CHAR)
    return seconds if speed == 1.0 else max(FAST_MIN_SECONDS, seconds / speed)


@functools.lru_cache(maxsize=1)
def _bank_8k() -> np.ndarray:
    """The speech bank at 8 kHz: the one slow synthesis (~0.3 s), done once per process."""
    return synthesize_reply(_BANK_SECONDS, 8000, seed=7)


@functools.lru_cache(maxsize=16)
def _bank(sample_rate: int) -> bytes:
    base = _bank_8k()
    if sample_rate == 8000:
        return base.astype("<i2").tobytes()
    audio = soxr.resample(base.astype(np.float32) / 32768.0, 8000, sample_rate, quality="HQ")
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


#: Rates Pipecat pipelines and TTS services use most; their banks are made before serving.
COMMON_RATES = (8000, 16000, 24000)


def warm_up() -> None:
    """Make the bank (and its base64 chunks of 16-bit PCM) at the common rates now, off the event
    loop, before serving (~0.35 s)."""
    for rate in COMMON_RATES:
        _bank(rate)
        _b64_bank_chunks(rate, "pcm_s16le")


def speech_for_text(text: str, sample_rate: int, speed: float = 1.0) -> bytes:
    """PCM s16le speech-shaped audio for ``text`` at ``sample_rate`` (``speed``: see
    :func:`speech_seconds`)."""
    bank = _bank(sample_rate)
    want = round(speech_seconds(text, speed) * sample_rate) * 2
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


def _bank_bytes(sample_rate: int, start: int, end: int) -> bytes:
    """Bytes ``start:end`` of the bank at ``sample_rate`` repeated end to end."""
    bank = _bank(sample_rate)
    out = bytearray()
    while start < end:
        offset = start % len(bank)
        piece = bank[offset : offset + end - start]
        out += piece
        start += len(piece)
    return bytes(out)


@functools.lru_cache(maxsize=32)
def _b64_bank_chunks(sample_rate: int, encoding: str) -> tuple[str, ...]:
    """The bank in ``encoding`` as base64 text, ``CHUNK_SECONDS`` a piece (made once)."""
    size = round(CHUNK_SECONDS * sample_rate) * 2
    bank = _bank(sample_rate)
    return tuple(
        base64.b64encode(encode_pcm(bank[i : i + size], encoding)).decode("ascii")
        for i in range(0, len(bank) - size + 1, size)
    )


def speech_b64_chunks(text: str, sample_rate: int, encoding: str, speed: float = 1.0) -> list[str]:
    """:func:`speech_for_text` in ``encoding``, as base64 text of ``CHUNK_SECONDS`` pieces (the
    last one shorter): decoded and joined, exactly ``encode_pcm(speech_for_text(...))``."""
    size = round(CHUNK_SECONDS * sample_rate) * 2
    total = round(speech_seconds(text, speed) * sample_rate) * 2
    bank_len = len(_bank(sample_rate))
    cached = _b64_bank_chunks(sample_rate, encoding) if bank_len % size == 0 else ()
    out: list[str] = []
    for start in range(0, total, size):
        end = min(start + size, total)
        if end - start == size and cached:
            out.append(cached[(start % bank_len) // size])
        else:
            piece = encode_pcm(_bank_bytes(sample_rate, start, end), encoding)
            out.append(base64.b64encode(piece).decode("ascii"))
    return out
